// training.workers > 1 exists because the wasm backend runs on one thread under Node; the
// tensorflow backend already uses every core, and the cpu backend is a slow reference only.
import * as os from 'node:os';
import { UserError } from '../../errors';

export function checkWorkersBackend(workers: number, backendName: string): void {
  if (workers > 1 && backendName !== 'wasm') {
    throw new UserError(
      `training.workers: ${workers} is for the wasm backend (one wasm instance per worker thread); this run's backend is ${backendName}: set training.workers: 1`,
    );
  }
}

/**
 * More workers than cores is allowed (the numbers repeat for a given worker count) but slow: the
 * threads take turns on the cores, 64 workers on 2 cores ran about one step a minute.
 */
export function workersWarning(workers: number, cores: number = os.availableParallelism()): string | undefined {
  if (workers <= cores) return undefined;
  return `warning: training.workers: ${workers} is more than this machine's ${cores} cores; the workers take turns and each step is slower than with ${cores} (set training.workers: ${cores} or fewer)`;
}
