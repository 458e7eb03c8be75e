// One run of a plan (many configs x seeds, or an ablation's cells x seeds): the fully resolved config
// it trains and the folder it trains in. What a plan knows about each run's folder is its state.
import type { ExperimentConfig } from '../config/schema';

export interface PlannedRun {
  /** How plans and `gridmix status` name it: the run folder relative to the working directory. */
  label: string;
  /** Fully resolved: one seed, no seeds / sweep / executor (what config.yaml of the run will hold). */
  config: ExperimentConfig;
  runDir: string;
  /** The ablation cell's name when `gridmix ablate` planned it (summary.json's ablation_cell). */
  ablationCell?: string;
}

/**
 * finished: summary.json says so, under the planned config. unfinished: trained part-way (or
 * finished with fewer epochs than planned now), resumable. changed: trained with another config
 * than the planned one (other than more epochs): neither skipped nor resumed; --force starts it
 * over. running: another process, or a queued Slurm task, holds it. pending: nothing trained yet.
 */
export type RunState = 'finished' | 'unfinished' | 'changed' | 'running' | 'pending';

export interface AssessedRun {
  run: PlannedRun;
  state: RunState;
  /** finished: "top-1 81.30"; unfinished/running: "epoch 3/8"; changed: what differs; running: who. */
  detail?: string;
}

/** What a plan does with each state: train it (from scratch or resuming), or leave it alone. */
export function needsTraining(state: RunState): boolean {
  return state === 'pending' || state === 'unfinished';
}
