// gridmix eval --checkpoint DIR (--test | --imagenet-a | --localization [--cam-threshold T]) [--data ROOT] [--backend B] [--no-native]
// Results go to DIR/eval-<kind>.json, where `gridmix report` finds them.
import * as path from 'path';
import { Command } from 'commander';
import type { ExperimentConfig } from '../config/schema';
import { datasetShape } from '../data/dataset-shapes';
import { loadDataset } from '../data/readers/index';
import { selectBackend, describeBackend, type BackendChoice } from '../engine/backend';
import { evaluate } from '../eval/classification';
import { checkCamThreshold, DEFAULT_CAM_THRESHOLD, evaluateLocalization, IOU_THRESHOLD, LOCALIZATION_PROTOCOL } from '../eval/localization';
import { loadRunModel, readRunConfig, resolveRunDir } from '../eval/load-run';
import { writeJsonAtomic } from '../io/atomic-file';
import { readCheckpoint } from '../train/checkpoint';
import type { CheckpointMeta } from '../train/run';
import { runPaths } from '../train/run-files';
import { loadEvaluationData, shapeOf } from '../train/setup';
import { UserError } from '../errors';
import { NO_NATIVE_HELP, nativeOverride } from './flags';

export interface EvalOptions {
  checkpoint: string;
  test?: boolean;
  imagenetA?: boolean;
  localization?: boolean;
  /** --localization: fraction of the CAM's maximum kept before boxing (default 0.2). */
  camThreshold?: number;
  data?: string;
  backend?: BackendChoice;
  /** false with --no-native (commander makes it true otherwise; see nativeOverride); default: the run's config. */
  native?: boolean;
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
  if (options.camThreshold !== undefined) {
    if (kind !== 'localization') throw new UserError('gridmix eval: --cam-threshold goes with --localization');
    checkCamThreshold(options.camThreshold);
  }
  const runDir = resolveRunDir(options.checkpoint);
  const config = readRunConfig(runDir);
  const backend = await selectBackend(options.backend ?? config.backend, { native: nativeOverride(options.native) ?? config.native });
  log(describeBackend(backend));
  const batchSize = options.batchSize ?? config.training.evalBatchSize;
  let result: Record<string, unknown>;
  if (kind === 'test') {
    const { normalization } = readCheckpoint<CheckpointMeta>(runPaths(runDir).checkpoint).meta;
    const dataset = await loadEvaluationData(withDataRoot(config, options.data), normalization);
    const model = loadRunModel(runDir, config, shapeOf(dataset));
    const accuracy = await evaluate(model, dataset, { batchSize });
    model.dispose();
    result = { kind, dataset: dataset.name, image_size: dataset.height, images: accuracy.count, top1: round2(accuracy.top1), top5: round2(accuracy.top5) };
  } else if (kind === 'imagenet-a') {
    result = await evalImagenetA(runDir, config.dataset.name, options.data, batchSize);
  } else {
    result = await evalLocalization(runDir, config, options.data, batchSize, options.camThreshold ?? DEFAULT_CAM_THRESHOLD);
  }
  const record = { ...result, run: runDir, backend: backend.id, native_kernels: backend.nativeKernels, evaluated: new Date().toISOString() };
  const file = path.join(runDir, `eval-${kind}.json`);
  writeJsonAtomic(file, record);
  const scores =
    kind === 'localization'
      ? `Top-1 Cls ${result.top1_cls}%, GT-Known Loc ${result.gt_known_loc}%, Top-1 Loc ${result.top1_loc}%`
      : `top-1 ${result.top1}%, top-5 ${result.top5}%`;
  log(`${kind}: ${scores} on ${result.images} images -> ${file}`);
  return record;
}

async function evalImagenetA(runDir: string, trainedOn: string, root: string | undefined, batchSize: number): Promise<Record<string, unknown>> {
  if (trainedOn !== 'tiny-imagenet' && trainedOn !== 'imagenet') {
    throw new UserError(`--imagenet-a evaluates TinyImageNet or ImageNet models; this run was trained on ${trainedOn}`);
  }
  const meta = readCheckpoint<CheckpointMeta>(runPaths(runDir).checkpoint).meta;
  const config = readRunConfig(runDir);
  // The size the model was trained at (a run saved before dataset.imageSize existed: the reader's default).
  const size = datasetShape(trainedOn, config.dataset.imageSize).height;
  const trainShape = { numClasses: meta.numClasses, height: size, width: size, channels: 3 };
  const dataset = await loadDataset({ name: 'imagenet-a', root, imageSize: size, imagenetATarget: trainedOn });
  // Normalise as the model was trained, not with ImageNet-A's own statistics.
  const normalised = { ...dataset, mean: meta.normalization.mean, std: meta.normalization.std };
  const model = loadRunModel(runDir, config, trainShape);
  const accuracy = await evaluate(model, normalised, { batchSize, classSubset: dataset.coveredClasses });
  model.dispose();
  return {
    kind: 'imagenet-a',
    dataset: trainedOn === 'tiny-imagenet' ? 'tiny-imagenet-a' : 'imagenet-a',
    image_size: size,
    classes: dataset.coveredClasses?.length ?? meta.numClasses,
    images: accuracy.count,
    top1: round2(accuracy.top1),
    top5: round2(accuracy.top5),
    protocol: 'top-k among the logits of the classes ImageNet-A covers (the reference ImageNet-A protocol)',
  };
}

/** Table 5: CAM boxes on the run's own test split (CUB-200-2011), normalised as in training. */
async function evalLocalization(
  runDir: string,
  config: ExperimentConfig,
  root: string | undefined,
  batchSize: number,
  camThreshold: number,
): Promise<Record<string, unknown>> {
  const meta = readCheckpoint<CheckpointMeta>(runPaths(runDir).checkpoint).meta;
  const dataset = await loadEvaluationData(withDataRoot(config, root), meta.normalization);
  const model = loadRunModel(runDir, config, shapeOf(dataset));
  try {
    const loc = await evaluateLocalization(model, dataset, { batchSize, camThreshold });
    return {
      kind: 'localization',
      dataset: dataset.name,
      image_size: dataset.height,
      images: loc.count,
      threshold: loc.camThreshold,
      iou_threshold: IOU_THRESHOLD,
      top1_cls: round2(loc.top1Cls),
      gt_known_loc: round2(loc.gtKnownLoc),
      top1_loc: round2(loc.top1Loc),
      protocol: LOCALIZATION_PROTOCOL,
    };
  } finally {
    model.dispose();
  }
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
    .option('--cam-threshold <t>', `--localization: fraction of the CAM's maximum kept before boxing (default ${DEFAULT_CAM_THRESHOLD})`, Number)
    .option('--data <root>', 'where the evaluation data is (default: the usual places, see gridmix data list)')
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu (default: the run\'s config)')
    .option('--no-native', NO_NATIVE_HELP)
    .action(async (opts: EvalOptions) => {
      await evalCommand(opts);
    });
}

/** The run's config with its dataset read from `root` (eval's --data) when one is given. */
function withDataRoot(config: ExperimentConfig, root: string | undefined): ExperimentConfig {
  return root ? { ...config, dataset: { ...config.dataset, root } } : config;
}
