// The state of one planned run, read from its folder (the results layout) and nothing else, so a
// plan made on a login node and one made on the machine that trains agree.
import * as fs from 'fs';
import YAML from 'yaml';
import { liveLockOwner } from '../io/run-lock';
import { runPaths, type Summary } from '../train/run-files';
import { configChange } from './config-change';
import type { AssessedRun, PlannedRun } from './planned-run';

function readSummary(file: string): Summary | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Summary;
  } catch {
    return undefined;
  }
}

function readSavedConfig(file: string): unknown {
  try {
    return YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Epochs in metrics.csv (one row each after the header). */
export function epochsDone(runDir: string): number {
  try {
    return Math.max(0, fs.readFileSync(runPaths(runDir).metrics, 'utf8').trim().split('\n').length - 1);
  } catch {
    return 0;
  }
}

/** `ignoreLock`: the lock's owner is known to be gone (a Slurm task that has ended, on another node). */
export function assessRun(run: PlannedRun, options: { ignoreLock?: boolean } = {}): AssessedRun {
  const paths = runPaths(run.runDir);
  const summary = readSummary(paths.summary);
  const trained = summary !== undefined || fs.existsSync(paths.checkpoint);
  const epochs = run.config.training.epochs;
  const owner = options.ignoreLock ? undefined : liveLockOwner(paths.lock);
  if (owner) return { run, state: 'running', detail: `epoch ${epochsDone(run.runDir)}/${epochs}, pid ${owner.pid} on ${owner.host}` };
  if (!trained) return { run, state: 'pending' };
  // A folder with training state but no config.yaml was not written by gridmix train: not ours to resume.
  const saved = readSavedConfig(paths.config);
  const change = saved === undefined ? 'no readable config.yaml beside the training state' : configChange(saved, run.config);
  if (change) return { run, state: 'changed', detail: change };
  if (summary?.finished) {
    if (summary.epochs !== epochs) {
      return { run, state: 'changed', detail: `training.epochs: ${summary.epochs} -> ${epochs} (finished; a plan does not extend it: gridmix train --resume on the run does)` };
    }
    return { run, state: 'finished', detail: `top-1 ${summary.top1?.toFixed(2)}` };
  }
  return { run, state: 'unfinished', detail: `epoch ${epochsDone(run.runDir)}/${epochs}` };
}
