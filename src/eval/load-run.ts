// A trained run, back from its folder: the resolved config, the model with its checkpointed weights
// (parameters and batch-norm statistics; the optimizer state is not needed to evaluate).
import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';
import { UserError } from '../errors';
import type { ExperimentConfig } from '../config/schema';
import { validateConfig } from '../config/validate';
import { createMixMethod } from '../mix/registry';
import type { Model } from '../models/model';
import { readCheckpoint, restoreVariables } from '../train/checkpoint';
import { runPaths } from '../train/run-files';
import { buildModel } from '../train/setup';
import type { DatasetShape } from '../data/dataset';

export interface LoadedRun {
  runDir: string;
  config: ExperimentConfig;
  model: Model;
}

/** Accepts the run folder or its checkpoint/ folder. */
export function resolveRunDir(dir: string): string {
  const runDir = path.basename(path.resolve(dir)) === 'checkpoint' ? path.dirname(path.resolve(dir)) : dir;
  const paths = runPaths(runDir);
  if (!fs.existsSync(paths.config) || !fs.existsSync(paths.checkpoint)) {
    throw new UserError(`${dir} is not a gridmix run folder (expected config.yaml and checkpoint/last.ckpt in it)`);
  }
  return runDir;
}

export function readRunConfig(runDir: string): ExperimentConfig {
  const file = runPaths(runDir).config;
  return validateConfig(YAML.parse(fs.readFileSync(file, 'utf8')), file);
}

/** Builds the run's model for a dataset of this shape and loads the checkpoint's weights into it. */
export function loadRunModel(runDir: string, config: ExperimentConfig, shape: DatasetShape): Model {
  const method = createMixMethod({ method: config.method.name, ...config.method });
  const model = buildModel(config, shape, method.needsLocalHead);
  const checkpoint = readCheckpoint(runPaths(runDir).checkpoint);
  try {
    restoreVariables(checkpoint, [...model.parameters(), ...model.buffers()], runPaths(runDir).checkpoint);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}
