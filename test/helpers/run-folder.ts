// A run folder as a finished `gridmix train` leaves it for eval and figure (config.yaml and
// checkpoint/last.ckpt), written directly with a freshly initialised model: for the evaluations
// whose data (CUB at 224 px, TinyImageNet's 200 classes) would cost more to train on than a test
// may take. eval and figure read only those two files.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { createModel, type BackboneName } from '../../src/models/registry';
import { saveCheckpoint } from '../../src/train/checkpoint';
import { runPaths } from '../../src/train/run-files';
import { tempFolder } from '../data/fixtures';

/** The normalisation the checkpoint records (deliberately not the dataset's own statistics). */
export const FRESH_NORMALIZATION = { mean: [0.45, 0.5, 0.55], std: [0.2, 0.25, 0.3] };

export interface FreshRun {
  name: string;
  seed: number;
  backend: string;
  /** The config's dataset block, e.g. { name: 'cub200', root, imageSize: 32 }. */
  dataset: Record<string, unknown>;
  backbone: BackboneName;
  /** The config's method (default baseline: no local head). */
  method?: string;
  numClasses: number;
  /** The side the model is built for: the dataset's image size. */
  inputSize: number;
  /** Checkpoint meta beyond the format, backbone, classes and normalisation (e.g. epochsDone). */
  meta?: Record<string, unknown>;
}

/** Writes `<temp>/seed-<seed>/` with the config and a checkpoint of createModel(seed); returns its path. */
export async function writeFreshRun(prefix: string, run: FreshRun): Promise<string> {
  const runDir = path.join(tempFolder(prefix), `seed-${run.seed}`);
  const paths = runPaths(runDir);
  fs.mkdirSync(paths.checkpointDir, { recursive: true });
  fs.writeFileSync(
    paths.config,
    [
      `name: ${run.name}`,
      `seed: ${run.seed}`,
      `backend: ${run.backend}`,
      `dataset: ${JSON.stringify(run.dataset)}`, // JSON is YAML's flow style
      `backbone: { name: ${run.backbone} }`,
      `method: { name: ${run.method ?? 'baseline'} }`,
      'training: { epochs: 1, batchSize: 2, evalBatchSize: 2 }',
      '',
    ].join('\n'),
  );
  await tf.ready(); // the weights are drawn on the process's default backend, which starts asynchronously
  const model = createModel(run.backbone, { numClasses: run.numClasses, inputSize: run.inputSize, inChannels: 3, localHead: false, seed: run.seed });
  const meta = { format: 1, backbone: run.backbone, numClasses: run.numClasses, normalization: FRESH_NORMALIZATION, ...run.meta };
  await saveCheckpoint(paths.checkpoint, meta, [...model.parameters(), ...model.buffers()]);
  model.dispose();
  return runDir;
}
