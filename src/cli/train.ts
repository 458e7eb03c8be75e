// gridmix train --config FILE [--out DIR] [--epochs N] [--backend B] [--no-native] [--seed S] [--seeds LIST] [--resume] [--force] [--dry-run]
import * as path from 'path';
import { Command } from 'commander';
import { loadConfig } from '../config/load';
import { experimentDir, type ExperimentConfig } from '../config/schema';
import { runTraining } from '../train/run';
import { printDryRun } from '../train/dry-run';
import { backendFlag, folderFlag, nativeOverride, NO_NATIVE_HELP, positiveIntFlag, seedFlag, seedListFlag } from './flags';
import type { Summary } from '../train/run-files';

export interface TrainOptions {
  config: string;
  out?: string;
  epochs?: number;
  backend?: string;
  /** false with --no-native (commander makes it true otherwise; see nativeOverride). */
  native?: boolean;
  seed?: number;
  seeds?: number[];
  resume?: boolean;
  force?: boolean;
  dryRun?: boolean;
  /** The backend line in full: what was asked for and why better backends were not taken. */
  verbose?: boolean;
}

/** The folder of one seed's run: <experiment dir>/seed-<seed>. */
export function runDirFor(config: ExperimentConfig): string {
  return path.join(experimentDir(config), `seed-${config.seed}`);
}

export async function trainCommand(options: TrainOptions): Promise<Summary[]> {
  const config = loadConfig(options.config, {
    epochs: options.epochs,
    seed: options.seed,
    backend: options.backend,
    native: nativeOverride(options.native),
    out: options.out,
  });
  if (options.dryRun) {
    await printDryRun(config);
    return [];
  }
  const seeds = options.seeds ?? (options.seed !== undefined ? [options.seed] : config.seeds ?? [config.seed]);
  const summaries: Summary[] = [];
  for (const seed of seeds) {
    const seeded = { ...config, seed };
    summaries.push(await runTraining({ config: seeded, runDir: runDirFor(seeded), resume: !!options.resume, force: !!options.force, verbose: options.verbose }));
  }
  return summaries;
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train one experiment from a YAML config')
    .requiredOption('--config <file>', 'experiment config (YAML)')
    .option('--out <dir>', 'experiment folder (default results/<name>); runs go to <dir>/seed-<seed>', folderFlag('--out'))
    .option('--epochs <n>', 'override training.epochs', positiveIntFlag('--epochs'))
    .option('--backend <name>', 'auto | tensorflow | webgpu | wasm | cpu', backendFlag)
    .option('--no-native', NO_NATIVE_HELP)
    .option('--seed <n>', 'override seed', seedFlag)
    .option('--seeds <list>', 'run once per seed, e.g. 0,1,2', seedListFlag)
    .option('--resume', 'continue from the last checkpoint')
    .option('--force', 'overwrite a finished or unfinished run')
    .option('--dry-run', 'build the model, print its parameter count and layers, and exit')
    .option('--verbose', 'say why each better backend was not taken (also in summary.json)')
    .action(async (opts: TrainOptions) => {
      await trainCommand(opts);
    });
}
