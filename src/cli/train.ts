// gridmix train --config FILE... [--out DIR | --results DIR] [--epochs N] [--backend B] [--no-native]
//   [--seed S] [--seeds LIST] [--resume] [--force] [--dry-run] [--executor local|slurm|FILE] [--jobs N] ...
// One config without executor flags trains in this process, as it always has. Several configs (or
// any executor flag, or a config with an executor: block) make a plan of config x seed runs: the
// finished are skipped, the unfinished resumed, the rest farmed out (src/experiments/).
import * as path from 'path';
import { Command } from 'commander';
import { loadConfig, type ConfigOverrides } from '../config/load';
import { type ExperimentConfig } from '../config/schema';
import { UserError } from '../errors';
import { counted } from '../text/plural';
import { executePlan } from '../experiments/execute-plan';
import { planTraining, seedRunDir } from '../experiments/plan-runs';
import { runTraining } from '../train/run';
import { printDryRun } from '../train/dry-run';
import { addExecutorFlags, executorRequested, resolveExecutor, type ExecutorFlags } from './executor-flags';
import { backendFlag, folderFlag, nativeOverride, NO_NATIVE_HELP, positiveIntFlag, seedFlag, seedListFlag } from './flags';
import type { Summary } from '../train/run-files';

export interface TrainOptions extends ExecutorFlags {
  /** One config file, or several (a plan). */
  config: string | string[];
  out?: string;
  /** Several configs: each experiment goes to <results>/<name>. */
  results?: string;
  /** Exactly this run folder (one seed): what the executors' tasks use. */
  runDir?: string;
  /** The ablation cell this run is (summary.json's ablation_cell): set by `gridmix ablate`'s tasks. */
  ablationCell?: string;
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
  log?: (line: string) => void;
}

/** The folder of one seed's run: <experiment dir>/seed-<seed>. */
export const runDirFor = seedRunDir;

function overridesOf(options: TrainOptions): ConfigOverrides {
  return { epochs: options.epochs, seed: options.seed, backend: options.backend, native: nativeOverride(options.native), out: options.out };
}

export async function trainCommand(options: TrainOptions): Promise<Summary[]> {
  const files = Array.isArray(options.config) ? options.config : [options.config];
  if (files.length === 0) throw new UserError('--config: give at least one config file');
  if (files.length > 1 && options.out) {
    throw new UserError('--out names one experiment\'s folder; with several configs use --results DIR (each experiment goes to DIR/<name>)');
  }
  const configs = files.map((file) => {
    const config = loadConfig(file, overridesOf(options));
    return options.results ? { ...config, output: path.join(options.results, config.name) } : config;
  });
  if (files.length === 1 && !executorRequested(options) && !configs[0].executor) return trainInProcess(configs[0], options);
  if (options.runDir || options.ablationCell) throw new UserError('--run-dir and --ablation-cell train one run: give one config and no executor flags');
  const runs = planTraining(configs, files, options.seeds);
  const executor = resolveExecutor(configs, files, options);
  const title = `${counted(files.length, 'config')} x ${counted(new Set(runs.map((r) => r.config.seed)).size, 'seed')}`;
  const result = await executePlan({
    title, verb: 'train', elsewhere: '--results', jobName: `gridmix-${configs.length === 1 ? configs[0].name : 'train'}`, runs, executor,
    force: !!options.force, dryRun: !!options.dryRun, log: options.log ?? console.log,
  });
  if (result.failed.length) {
    throw new UserError(`${result.failed.length} run(s) failed (first: ${result.failed[0].label}: ${result.failed[0].line}); gridmix status ${path.relative(process.cwd(), result.planDir) || '.'} lists them`);
  }
  return [];
}

/** One config, in this process: each seed in turn (or exactly --run-dir). */
async function trainInProcess(config: ExperimentConfig, options: TrainOptions): Promise<Summary[]> {
  if (options.dryRun) {
    await printDryRun(config);
    return [];
  }
  const seeds = options.seeds ?? (options.seed !== undefined ? [options.seed] : config.seeds ?? [config.seed]);
  if (options.runDir && seeds.length > 1) throw new UserError(`--run-dir trains one run; the config asks for seeds ${seeds.join(',')}: give --seed`);
  const summaries: Summary[] = [];
  for (const seed of seeds) {
    const seeded = { ...config, seed };
    const runDir = options.runDir ?? runDirFor(seeded);
    summaries.push(await runTraining({ config: seeded, runDir, resume: !!options.resume, force: !!options.force, ablationCell: options.ablationCell, log: options.log, verbose: options.verbose }));
  }
  return summaries;
}

export function registerTrainCommand(program: Command): void {
  const command = program
    .command('train')
    .description('train one experiment from a YAML config, or plan many (several configs x seeds) and farm them out')
    .requiredOption('--config <files...>', 'experiment config(s) (YAML); several, or a glob such as configs/paper/table1/*.yaml, make a plan')
    .option('--out <dir>', 'experiment folder (default results/<name>); runs go to <dir>/seed-<seed>', folderFlag('--out'))
    .option('--results <dir>', 'several configs: each experiment goes to <dir>/<name> (default: each config\'s output, else results/<name>)', folderFlag('--results'))
    .option('--run-dir <dir>', 'train exactly this run folder (one seed); the executors\' tasks use it', folderFlag('--run-dir'))
    .option('--ablation-cell <name>', 'the ablation cell this run is (set by gridmix ablate\'s tasks)')
    .option('--epochs <n>', 'override training.epochs', positiveIntFlag('--epochs'))
    .option('--backend <name>', 'auto | tensorflow | webgpu | wasm | cpu', backendFlag)
    .option('--no-native', NO_NATIVE_HELP)
    .option('--seed <n>', 'override seed', seedFlag)
    .option('--seeds <list>', 'run once per seed, e.g. 0,1,2', seedListFlag)
    .option('--resume', 'continue from the last checkpoint (a plan always resumes its unfinished runs)')
    .option('--force', 'overwrite a finished or unfinished run (a plan: start over the runs trained with another config than planned now)')
    .option('--verbose', 'say why each better backend was not taken (also in summary.json)')
    .option('--dry-run', 'one config: build the model, print its parameter count and layers, and exit; a plan: print it (and the Slurm script) and start nothing');
  addExecutorFlags(command).action(async (opts: TrainOptions) => {
    await trainCommand(opts);
  });
}
