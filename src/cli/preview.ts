// gridmix preview --method M [--grid N --p P --alpha A] --dataset D --count K --out DIR
//                 [--seed S] [--split train|test] [--no-augment] [--root ROOT] [--backend B] [--no-native]
// Mixed samples of any method on any dataset as lossless PNGs plus preview.json (src/report/preview.ts).
import * as path from 'path';
import { Command } from 'commander';
import { loadDataset } from '../data/readers/index';
import type { SplitName } from '../data/loader';
import { BACKEND_CHOICES, describeBackend, selectBackend, type BackendChoice } from '../engine/backend';
import { cutmixArgs, gridmixArgs, mixupArgs } from '../mix/mix-config';
import { createMixMethod, type MixMethodConfig } from '../mix/registry';
import { drawPreviewSamples } from '../report/preview-samples';
import { PREVIEW_JSON, writePreview, type PreviewManifest } from '../report/preview';
import { UserError } from '../errors';
import { NO_NATIVE_HELP } from './flags';

export interface PreviewOptions {
  method: string;
  /** GridMix cells per side, or 'random'. */
  grid?: number | 'random';
  p?: number;
  alpha?: number;
  dataset: string;
  count: number;
  out: string;
  seed?: number;
  split?: SplitName;
  /** The standard crop + flip before mixing (default: on for the train split, off for test). */
  augment?: boolean;
  root?: string;
  backend?: BackendChoice;
  /** false with --no-native: plain wasm (no config here, so anything else means the default, on). */
  native?: boolean;
  log?: (line: string) => void;
}

const SPLITS: readonly SplitName[] = ['train', 'test'];

/** The checks that need no data: everything but the grid against the image size. */
function checkFlags(options: PreviewOptions): void {
  const { count, p, seed, split, backend } = options;
  if (!(Number.isInteger(count) && count >= 1)) throw new UserError(`--count: ${count} is not allowed; use an integer >= 1`);
  if (p !== undefined && !(p > 0 && p <= 1)) throw new UserError(`--p: ${p} is not allowed; use a number in (0, 1]`);
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0)) throw new UserError(`--seed: ${seed} is not allowed; use an integer >= 0`);
  if (split !== undefined && !SPLITS.includes(split)) throw new UserError(`--split: "${split}" is not allowed; use one of: ${SPLITS.join(', ')}`);
  if (backend !== undefined && !BACKEND_CHOICES.includes(backend)) {
    throw new UserError(`--backend: "${backend}" is not allowed; use one of: ${BACKEND_CHOICES.join(', ')}`);
  }
}

/** Only the options the user gave, so the method's own defaults fill the rest. */
function methodConfig(options: PreviewOptions): MixMethodConfig {
  const config: MixMethodConfig = { method: options.method };
  if (options.grid !== undefined) config.grid = options.grid;
  if (options.p !== undefined) config.p = options.p;
  if (options.alpha !== undefined) config.alpha = options.alpha;
  return config;
}

/** The mixing options in effect (defaults filled), for preview.json. */
function effectiveOptions(config: MixMethodConfig): Record<string, unknown> {
  switch (config.method) {
    case 'mixup':
      return { ...mixupArgs(config) };
    case 'cutmix':
      return { ...cutmixArgs(config) };
    case 'gridmix': {
      // gamma weighs a loss, not the mixing: it changes nothing in a preview.
      const { grid, gridChoices, p } = gridmixArgs(config);
      return grid === 'random' ? { grid, gridChoices, p } : { grid, p };
    }
    default:
      return {};
  }
}

export async function previewCommand(options: PreviewOptions): Promise<PreviewManifest> {
  const log = options.log ?? console.log;
  checkFlags(options);
  const config = methodConfig(options);
  const method = createMixMethod(config);
  const split = options.split ?? 'train';
  const augment = options.augment ?? split === 'train';
  const seed = options.seed ?? 0;
  const dataset = await loadDataset({ name: options.dataset, root: options.root });
  const side = Math.min(dataset.height, dataset.width);
  const tooLarge = method.gridSizes.filter((n) => n > side);
  if (tooLarge.length > 0) {
    throw new UserError(`--grid: ${tooLarge.join(', ')} is larger than ${dataset.name}'s ${dataset.height} x ${dataset.width} images; use a grid <= ${side}`);
  }
  const backend = await selectBackend(options.backend ?? 'auto', { native: options.native !== false });
  log(describeBackend(backend));
  const samples = await drawPreviewSamples(dataset, method, { split, count: options.count, augment, seed });
  const manifest = writePreview(
    options.out,
    {
      method: method.name,
      options: effectiveOptions(config),
      dataset: dataset.name,
      split,
      augment,
      seed,
      height: dataset.height,
      width: dataset.width,
      channels: dataset.channels,
      backend: backend.id, // as summary.json: 'wasm+onednn' when the native kernels are on
    },
    samples,
  );
  log(`${manifest.count} ${method.name} samples of ${dataset.name} (${split}) -> ${options.out}/sample-*.png, ${path.join(options.out, PREVIEW_JSON)}`);
  return manifest;
}

/** Numbers as commander hands them over: a flag that is not a number keeps its text for the error. */
function numberFlag(value: string): number {
  return value.trim() === '' ? NaN : Number(value);
}

function gridFlag(value: string): number | 'random' {
  if (value === 'random') return value;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--grid: "${value}" is not allowed; use an integer >= 1 or "random"`);
  return n;
}

export function registerPreviewCommand(program: Command): void {
  program
    .command('preview')
    .description('write mixed samples as PNGs plus a JSON of masks, boxes, lambdas and labels')
    .requiredOption('--method <name>', 'baseline | mixup | cutmix | gridmix')
    .requiredOption('--dataset <name>', 'a dataset name (see gridmix data list)')
    .requiredOption('--out <dir>', 'folder for sample-NNN.png and preview.json')
    .option('--count <k>', 'how many mixed samples', numberFlag, 16)
    .option('--grid <n>', 'GridMix: cells per side, or "random" (default 4)', gridFlag)
    .option('--p <p>', 'GridMix: probability that a cell keeps image A, in (0, 1] (default 0.8)', numberFlag)
    .option('--alpha <a>', 'MixUp / CutMix: lambda ~ Beta(alpha, alpha) (default 1)', numberFlag)
    .option('--seed <s>', 'seeds the image order, the augmentation and the mixing (default 0)', numberFlag)
    .option('--split <name>', 'train | test (default train)')
    .option('--augment', 'the standard crop + flip before mixing (default for the train split)')
    .option('--no-augment', 'no crop or flip: the PNG pixels are the source pixels, mixed')
    .option('--root <dir>', 'where the dataset is (default: the usual places, see gridmix data list)')
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu (default auto)')
    .option('--no-native', NO_NATIVE_HELP)
    .action(async (opts: PreviewOptions) => {
      await previewCommand(opts);
    });
}
