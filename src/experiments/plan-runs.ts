// Plans: configs x seeds (gridmix train with several configs or seeds) and an ablation's cells x
// seeds (gridmix ablate), each run with its fully resolved config and its folder.
import * as path from 'path';
import { experimentDir, type ExperimentConfig } from '../config/schema';
import { UserError } from '../errors';
import { sweepCells } from '../train/sweep';
import type { PlannedRun } from './planned-run';

/** The folder of one seed's run of a plain experiment: <experiment dir>/seed-<seed>. */
export function seedRunDir(config: ExperimentConfig): string {
  return path.join(experimentDir(config), `seed-${config.seed}`);
}

/** The seeds a config asks for: the flag's list, else the config's seeds, else its seed. */
export function seedsOf(config: ExperimentConfig, flagSeeds?: number[]): number[] {
  return flagSeeds ?? config.seeds ?? [config.seed];
}

/** What one run trains: the planning keys (seeds, sweep, executor) are not part of it. */
export function runConfig(config: ExperimentConfig, seed: number): ExperimentConfig {
  return { ...config, seed, seeds: undefined, sweep: undefined, executor: undefined };
}

/** The run folder relative to the working directory when it is below it, else absolute. */
export function runLabel(runDir: string): string {
  const relative = path.relative(process.cwd(), runDir);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : path.resolve(runDir);
}

function refuseDuplicates(runs: PlannedRun[], sources: Map<PlannedRun, string>): void {
  const seen = new Map<string, PlannedRun>();
  for (const run of runs) {
    const key = path.resolve(run.runDir);
    const earlier = seen.get(key);
    if (earlier) {
      throw new UserError(
        `${sources.get(earlier)} and ${sources.get(run)} both train into ${run.label} (the same name and seed); give each config its own \`name:\``,
      );
    }
    seen.set(key, run);
  }
}

/** One run per config x seed, in the order given. `files[i]` is where `configs[i]` came from. */
export function planTraining(configs: ExperimentConfig[], files: string[], flagSeeds?: number[]): PlannedRun[] {
  const runs: PlannedRun[] = [];
  const sources = new Map<PlannedRun, string>();
  configs.forEach((config, i) => {
    for (const seed of seedsOf(config, flagSeeds)) {
      const resolved = runConfig(config, seed);
      const runDir = seedRunDir(resolved);
      const run: PlannedRun = { label: runLabel(runDir), config: resolved, runDir };
      runs.push(run);
      sources.set(run, files[i]);
    }
  });
  refuseDuplicates(runs, sources);
  return runs;
}

/** One run per sweep cell x seed, in <experiment dir>/<cell>-seed<seed> (Table 4's layout). */
export function planAblation(base: ExperimentConfig, flagSeeds?: number[]): PlannedRun[] {
  const dir = experimentDir(base);
  const runs: PlannedRun[] = [];
  for (const cell of sweepCells(base)) {
    for (const seed of seedsOf(base, flagSeeds)) {
      const runDir = path.join(dir, `${cell.name}-seed${seed}`);
      runs.push({ label: runLabel(runDir), config: runConfig(cell.config, seed), runDir, ablationCell: cell.name });
    }
  }
  return runs;
}

/**
 * The folder that holds a plan's records (submissions/): the one experiment folder when every run
 * is in it, else the nearest folder above all of them (results/ for a table of default configs).
 */
export function planFolder(runs: PlannedRun[]): string {
  const parents = runs.map((r) => path.resolve(path.dirname(r.runDir)));
  let common = parents[0];
  for (const p of parents) {
    while (p !== common && !p.startsWith(common.endsWith(path.sep) ? common : common + path.sep)) common = path.dirname(common);
  }
  return common;
}
