// training.workers > 1 exists because the wasm backend runs on one thread under Node; the
// tensorflow backend already uses every core, and the cpu backend is a slow reference only.
import { UserError } from '../../errors';

export function checkWorkersBackend(workers: number, backendName: string): void {
  if (workers > 1 && backendName !== 'wasm') {
    throw new UserError(
      `training.workers: ${workers} is for the wasm backend (one wasm instance per worker thread); this run's backend is ${backendName}: set training.workers: 1`,
    );
  }
}
