// gridmix eval --checkpoint DIR (--test | --imagenet-a | --localization) [--data ROOT]
// Results go to DIR/eval-<kind>.json, where `gridmix report` finds them.
import * as path from 'path';
import { Command } from 'commander';
import { loadDataset } from '../data/readers/index';
import { selectBackend, describeBackend, type BackendChoice } from '../engine/backend';
import { evaluate } from '../eval/classification';
import { loadRunModel, readRunConfig, resolveRunDir } from '../eval/load-run';
import { writeJsonAtomic } from '../io/atomic-file';
import { readCheckpoint } from '../train/checkpoint';
import type { CheckpointMeta } from '../train/run';
import { runPaths } from '../train/run-files';
import { loadTrainingData, shapeOf } from '../train/setup';
import { NotImplementedError, UserError } from './errors';

export interface EvalOptions {
  checkpoint: string;
  test?: boolean;
  imagenetA?: boolean;
  localization?: boolean;
  data?: string;
  backend?: BackendChoice;
  batchSize?: number;
  log?: (line: string) => void;
}

export type EvalKind = 'test' | 'imagenet-a' | 'localization';

function kindOf(options: EvalOptions): EvalKind {
  const kinds = ([['test', options.test], ['imagenet-a', options.imagenetA], ['localization', options.localization]] as const)
    .filter(([, on]) => on)
    .map(([kind]) => kind);
  if (kinds.length !== 1) throw new UserError('gridmix eval: give exactly one of --test, --imagenet-a, --localization');
  return kinds[0];
}

export async function evalCommand(options: EvalOptions): Promise<Record<string, unknown>> {
  const log = options.log ?? console.log;
  const kind = kindOf(options);
  const runDir = resolveRunDir(options.checkpoint);
  const config = readRunConfig(runDir);
  const backend = await selectBackend(options.backend ?? config.backend);
  log(describeBackend(backend));
  const batchSize = options.batchSize ?? config.training.evalBatchSize;
  let result: Record<string, unknown>;
  if (kind === 'test') {
    const dataset = await loadTrainingData(options.data ? { ...config, dataset: { ...config.dataset, root: options.data } } : config);
    const model = loadRunModel(runDir, config, shapeOf(dataset));
    const accuracy = evaluate(model, dataset, { batchSize });
    model.dispose();
    result = { kind, dataset: dataset.name, images: accuracy.count, top1: round2(accuracy.top1), top5: round2(accuracy.top5) };
  } else if (kind === 'imagenet-a') {
    result = await evalImagenetA(runDir, config.dataset.name, options.data, batchSize);
  } else {
    throw new NotImplementedError('gridmix eval --localization: not implemented yet');
  }
  const record = { ...result, run: runDir, backend: backend.name, evaluated: new Date().toISOString() };
  const file = path.join(runDir, `eval-${kind}.json`);
  writeJsonAtomic(file, record);
  log(`${kind}: top-1 ${result.top1}%, top-5 ${result.top5}% on ${result.images} images -> ${file}`);
  return record;
}

async function evalImagenetA(runDir: string, trainedOn: string, root: string | undefined, batchSize: number): Promise<Record<string, unknown>> {
  if (trainedOn !== 'tiny-imagenet' && trainedOn !== 'imagenet') {
    throw new UserError(`--imagenet-a evaluates TinyImageNet or ImageNet models; this run was trained on ${trainedOn}`);
  }
  const meta = readCheckpoint<CheckpointMeta>(runPaths(runDir).checkpoint).meta;
  const config = readRunConfig(runDir);
  const trainShape = { numClasses: meta.numClasses, height: trainedOn === 'imagenet' ? 224 : 64, width: 0, channels: 3 };
  trainShape.width = trainShape.height;
  const dataset = await loadDataset({ name: 'imagenet-a', root, imageSize: trainShape.height, imagenetATarget: trainedOn });
  // Normalise as the model was trained, not with ImageNet-A's own statistics.
  const normalised = { ...dataset, mean: meta.normalization.mean, std: meta.normalization.std };
  const model = loadRunModel(runDir, config, trainShape);
  const accuracy = evaluate(model, normalised, { batchSize, classSubset: dataset.coveredClasses });
  model.dispose();
  return {
    kind: 'imagenet-a',
    dataset: trainedOn === 'tiny-imagenet' ? 'tiny-imagenet-a' : 'imagenet-a',
    classes: dataset.coveredClasses?.length ?? meta.numClasses,
    images: accuracy.count,
    top1: round2(accuracy.top1),
    top5: round2(accuracy.top5),
    protocol: 'top-k among the logits of the classes ImageNet-A covers (the reference ImageNet-A protocol)',
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('evaluate a trained run: --test, --imagenet-a (Table 6) or --localization (Table 5)')
    .requiredOption('--checkpoint <dir>', 'the run folder (results/<experiment>/<run>) or its checkpoint/ folder')
    .option('--test', 're-evaluate on the run\'s test split')
    .option('--imagenet-a', 'ImageNet-A restricted to the model\'s classes (TinyImageNet-A for TinyImageNet models)')
    .option('--localization', 'CAM weakly supervised localisation on CUB-200-2011')
    .option('--data <root>', 'where the evaluation data is (default: the usual places, see gridmix data list)')
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu (default: the run\'s config)')
    .action(async (opts: EvalOptions) => {
      await evalCommand(opts);
    });
}
