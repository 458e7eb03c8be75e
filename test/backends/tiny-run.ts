// A tiny real training run in this process (runTraining, as `gridmix train` does it) on a test
// backend: the shipped fashion-mnist-mini subset, vgg_small, GridMix with its local head. The
// progress hook records every step's loss and may stop the run (as Ctrl-C would) after a step.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { validateConfig } from '../../src/config/validate';
import { runTraining } from '../../src/train/run';
import type { Summary } from '../../src/train/run-files';
import type { Progress } from '../../src/train/progress';
import type { TestBackend } from '../helpers/backend';

export interface TinyRunOptions {
  backend: TestBackend;
  trainLimit: number;
  testLimit: number;
  batchSize: number;
  epochs: number;
  seed?: number;
  /** Stop (SIGTERM, as a user would) after this many steps of the whole run. */
  stopAfterStep?: number;
  runDir?: string;
  resume?: boolean;
}

export interface TinyRunResult {
  runDir: string;
  losses: number[];
  summary?: Summary;
  error?: Error;
}

export function tinyConfig(o: TinyRunOptions) {
  return validateConfig({
    name: 'tiny',
    seed: o.seed ?? 3,
    backend: o.backend === 'wasm+onednn' ? 'wasm' : o.backend,
    native: o.backend === 'wasm+onednn',
    dataset: { name: 'fashion-mnist-mini', trainLimit: o.trainLimit, testLimit: o.testLimit },
    backbone: { name: 'vgg_small' },
    method: { name: 'gridmix', grid: 4 },
    training: { epochs: o.epochs, batchSize: o.batchSize, evalBatchSize: 64, checkpointMinutes: 0, optimizer: { lr: 0.05 } },
  }, 'test');
}

export async function tinyRun(o: TinyRunOptions): Promise<TinyRunResult> {
  const runDir = o.runDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `gridmix-${o.backend}-`));
  const losses: number[] = [];
  const progress: Progress = {
    step: (r) => {
      losses.push(r.loss);
      if (o.stopAfterStep !== undefined && losses.length === o.stopAfterStep) process.emit('SIGTERM');
    },
    epochDone: () => undefined,
    stop: () => undefined,
  };
  try {
    const summary = await runTraining({ config: tinyConfig(o), runDir, resume: !!o.resume, force: false, progress, log: () => undefined });
    return { runDir, losses, summary };
  } catch (err) {
    return { runDir, losses, error: err as Error };
  }
}
