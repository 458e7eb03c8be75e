// The state of one planned run, read from its folder (the results layout) and nothing else, so a
// plan made on a login node and one made on the machine that trains agree. The folder is measured
// against the planned config by src/train/run-state.ts (the same check `train --resume` makes).
import * as fs from 'fs';
import { formatConfigDifferences } from '../config/config-diff';
import { liveLockOwner } from '../io/run-lock';
import { readSummary, runPaths } from '../train/run-files';
import { inspectRun, isComplete } from '../train/run-state';
import type { AssessedRun, PlannedRun } from './planned-run';

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
  const epochs = run.config.training.epochs;
  const owner = options.ignoreLock ? undefined : liveLockOwner(runPaths(run.runDir).lock);
  if (owner) return { run, state: 'running', detail: `epoch ${epochsDone(run.runDir)}/${epochs}, pid ${owner.pid} on ${owner.host}` };
  const state = inspectRun(run.runDir, run.config);
  if (!state.started) return { run, state: 'pending' };
  if (state.refused.length > 0) return { run, state: 'changed', detail: formatConfigDifferences(state.refused) };
  if (isComplete(state)) return { run, state: 'finished', detail: `top-1 ${readSummary(run.runDir)?.top1?.toFixed(2)}` };
  // Unfinished, or finished with fewer epochs than planned now (a resume trains it further).
  const grown = state.differences.length > 0 ? ` (${formatConfigDifferences(state.differences)})` : '';
  return { run, state: 'unfinished', detail: `epoch ${epochsDone(run.runDir)}/${epochs}${grown}` };
}
