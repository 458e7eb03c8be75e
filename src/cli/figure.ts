// gridmix figure attention|penultimate --checkpoint RUN [RUN...]: the paper's Fig. 2 (attention maps,
// or with --cam the CAM boxes of Table 5) and Fig. 3 (penultimate-layer projections) from trained runs.
// PNG plus JSON, by default under results/figures/, where `gridmix report` picks them up.
import * as path from 'path';
import { Command, InvalidArgumentError } from 'commander';
import { describeBackend, selectBackend, type BackendChoice } from '../engine/backend';
import { checkCamThreshold, DEFAULT_CAM_THRESHOLD } from '../eval/localization';
import { UserError } from '../errors';
import { drawAttentionFigure } from '../report/figures/attention-figure';
import { openFigureRuns, type FigureRun, type FigureSplit } from '../report/figures/figure-runs';
import { drawPenultimateFigure } from '../report/figures/penultimate-figure';
import { NO_NATIVE_HELP, nativeOverride, positiveIntFlag } from './flags';

interface CommonFigureOptions {
  checkpoint: string[];
  out?: string;
  backend?: BackendChoice;
  native?: boolean;
  batchSize?: number;
  log?: (line: string) => void;
}

export interface AttentionFigureCommandOptions extends CommonFigureOptions {
  images?: number;
  split?: FigureSplit;
  cam?: boolean;
  camThreshold?: number;
}

export interface PenultimateFigureCommandOptions extends CommonFigureOptions {
  classes: string[];
  perClass?: number;
}

export const DEFAULT_FIGURE_DIR = path.join('results', 'figures');

async function prepare(options: CommonFigureOptions): Promise<FigureRun[]> {
  const runs = openFigureRuns(options.checkpoint);
  const first = runs[0].config;
  const backend = await selectBackend(options.backend ?? first.backend, { native: nativeOverride(options.native) ?? first.native });
  (options.log ?? console.log)(describeBackend(backend));
  return runs;
}

export async function attentionFigureCommand(options: AttentionFigureCommandOptions): Promise<{ png: string; json: string }> {
  const log = options.log ?? console.log;
  const split = options.split ?? 'test';
  if (split !== 'test' && split !== 'train') throw new UserError(`--split: "${split}" is not allowed; use test or train`);
  if (options.camThreshold !== undefined) {
    if (!options.cam) throw new UserError('gridmix figure attention: --cam-threshold goes with --cam');
    checkCamThreshold(options.camThreshold);
  }
  const runs = await prepare(options);
  const out = options.out ?? path.join(DEFAULT_FIGURE_DIR, options.cam ? 'attention-cam.png' : 'attention.png');
  const written = await drawAttentionFigure({
    runs,
    images: options.images ?? 8,
    split,
    cam: options.cam ?? false,
    camThreshold: options.camThreshold ?? DEFAULT_CAM_THRESHOLD,
    batchSize: options.batchSize ?? runs[0].config.training.evalBatchSize,
    out,
    log,
  });
  log(`figure: ${written.png} (maps in ${written.json})`);
  return written;
}

export async function penultimateFigureCommand(options: PenultimateFigureCommandOptions): Promise<{ png: string; json: string }> {
  const log = options.log ?? console.log;
  const runs = await prepare(options);
  const out = options.out ?? path.join(DEFAULT_FIGURE_DIR, 'penultimate.png');
  const written = await drawPenultimateFigure({
    runs,
    classes: options.classes,
    perClass: options.perClass ?? 300,
    batchSize: options.batchSize ?? runs[0].config.training.evalBatchSize,
    out,
    log,
  });
  log(`figure: ${written.png} (points in ${written.json})`);
  return { png: written.png, json: written.json };
}

function classList(value: string): string[] {
  const classes = value.split(',').map((s) => s.trim());
  if (classes.length !== 3 || classes.some((c) => c === '')) throw new InvalidArgumentError(`expects three classes A,B,C (names or indices), got "${value}"`);
  return classes;
}

function camThresholdFlag(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expects a number in [0, 1], got "${value}"`);
  return n;
}

function common(command: Command): Command {
  return command
    .requiredOption('--checkpoint <runs...>', 'run folders (results/<experiment>/<run>), one panel or column each, all on one dataset')
    .option('--out <file.png>', 'where the PNG goes (the JSON goes beside it)')
    .option('--batch-size <n>', 'images per forward pass (default: the first run\'s training.evalBatchSize)', positiveIntFlag('--batch-size'))
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu (default: the first run\'s config)')
    .option('--no-native', NO_NATIVE_HELP);
}

export function registerFigureCommand(program: Command): void {
  const figure = program.command('figure').description("draw the paper's Fig. 2 (attention maps, CAM boxes) and Fig. 3 (penultimate-layer projections)");
  common(figure.command('attention'))
    .description('Fig. 2: attention maps (sum of |A|^2 over the last conv stage\'s channels) of the same test images, one column per run')
    .option('--images <k>', 'how many images (a class-balanced pick; default 8)', positiveIntFlag('--images'))
    .option('--split <split>', 'test | train (default test)')
    .option('--cam', 'class activation maps of the predicted class, with the Table 5 box (red) and the ground-truth box (green)')
    .option('--cam-threshold <t>', `with --cam: fraction of the map's maximum kept before boxing (default ${DEFAULT_CAM_THRESHOLD})`, camThresholdFlag)
    .action(async (opts: AttentionFigureCommandOptions) => {
      await attentionFigureCommand(opts);
    });
  common(figure.command('penultimate'))
    .description('Fig. 3: penultimate activations of three classes projected onto the plane of their classifier templates, train beside test')
    .requiredOption('--classes <a,b,c>', 'three class names or indices', classList)
    .option('--per-class <n>', 'at most this many images per class and split (default 300)', positiveIntFlag('--per-class'))
    .action(async (opts: PenultimateFigureCommandOptions) => {
      await penultimateFigureCommand(opts);
    });
}
