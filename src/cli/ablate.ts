// gridmix ablate --config FILE: one run per cell of the sweep (Table 4's layout) x seed, each in its
// own folder under the experiment's. The plan's counts are printed first; finished cells are
// skipped, interrupted ones resumed, cells trained under another config than planned now refused
// (or, with --force, started over). Without executor flags the cells train in this process one
// after the other; with them they are farmed out (src/experiments/). The experiment's Table 4 is
// written beside its runs once the cells have trained (a Slurm submission does that in a job that
// waits for the array).
import * as path from 'path';
import { Command } from 'commander';
import { configToYaml, loadConfig } from '../config/load';
import { experimentDir, type ExperimentConfig } from '../config/schema';
import { formatConfigDifferences } from '../config/config-diff';
import { writeFileAtomic } from '../io/atomic-file';
import { executePlan } from '../experiments/execute-plan';
import { describePlan } from '../experiments/plan-report';
import { planAblation } from '../experiments/plan-runs';
import { assessRun } from '../experiments/run-state';
import { table4 } from '../report/build-tables';
import { collectRuns } from '../report/collect';
import { inspectRun, isComplete } from '../train/run-state';
import { runTraining } from '../train/run';
import { UserError } from '../errors';
import { addExecutorFlags, executorRequested, resolveExecutor, type ExecutorFlags } from './executor-flags';
import { backendFlag, folderFlag, nativeOverride, NO_NATIVE_HELP, positiveIntFlag, seedListFlag } from './flags';
import { writeTables } from './report';
import { counted } from '../text/plural';

export interface AblateOptions extends ExecutorFlags {
  config: string;
  out?: string;
  epochs?: number;
  backend?: string;
  /** false with --no-native (commander makes it true otherwise; see nativeOverride). */
  native?: boolean;
  seeds?: number[];
  /** Start over the cells whose saved config differs from the planned one (other than a grown epochs). */
  force?: boolean;
  /** The backend line in full (see train --verbose). */
  verbose?: boolean;
  /** Print the plan (and the Slurm script) and train nothing. */
  dryRun?: boolean;
  /** Write table4.md/.csv from the cells that have finished, and train nothing. */
  tableOnly?: boolean;
  log?: (line: string) => void;
}

/** ablate has no --resume: running it again resumes (finished cells are skipped, the cut one continues). */
const RESUME_HINT = 'run the same gridmix ablate command again to continue (finished cells are skipped)';

function writeTable4(dir: string, log: (line: string) => void): void {
  writeTables([table4(collectRuns(dir))], dir);
  log(`Table 4 layout written to ${path.join(dir, 'table4.md')} and table4.csv`);
}

export async function ablateCommand(options: AblateOptions): Promise<void> {
  const log = options.log ?? console.log;
  const base = loadConfig(options.config, { epochs: options.epochs, backend: options.backend, native: nativeOverride(options.native), out: options.out });
  if (!base.sweep || Object.values(base.sweep).every((v) => v === undefined)) {
    throw new UserError(`config error in ${options.config}: sweep: missing; an ablation needs e.g. sweep: { grid: [2, 4, 8, 16, random], p: [0.5, 0.6, 0.7, 0.8, 0.9] }`);
  }
  const dir = experimentDir(base);
  if (options.tableOnly) return writeTable4(dir, log);
  const runs = planAblation(base, options.seeds);
  const cells = new Set(runs.map((r) => r.ablationCell)).size;
  const seeds = runs.length / cells;
  const title = `ablation ${base.name}: ${counted(cells, 'cell')} x ${counted(seeds, 'seed')} -> ${dir}`;
  if (executorRequested(options) || base.executor) {
    const executor = resolveExecutor([base], [options.config], options);
    const result = await executePlan({
      title, verb: 'ablate', elsewhere: '--out', jobName: `gridmix-${base.name}`, runs, executor, force: !!options.force, dryRun: !!options.dryRun, log,
      afterwards: executor.name === 'slurm' ? { args: ['ablate', '--config', saveTableConfig(base, dir, !!options.dryRun), '--table-only'], what: 'writes the Table 4 layout' } : undefined,
    });
    if (options.dryRun) return;
    if (executor.name === 'local' || !result.submission) writeTable4(dir, log);
    if (result.failed.length) {
      throw new UserError(`${result.failed.length} cell(s) failed (first: ${result.failed[0].label}: ${result.failed[0].line}); gridmix status ${path.relative(process.cwd(), dir) || '.'} lists them`);
    }
    return;
  }

  // In this process, one cell after the other. Every cell's folder is checked against its planned
  // config before anything trains: a cell run under another config (the base lr changed, say) is
  // neither finished nor to be continued.
  log(describePlan(title, runs.map((r) => assessRun(r)))[0]);
  const plan = runs.map((run) => ({ run, label: `${run.ablationCell} seed ${run.config.seed}`, state: inspectRun(run.runDir, run.config) }));
  const changed = plan.filter((p) => p.state.refused.length > 0);
  if (changed.length > 0 && !options.force) {
    const first = changed[0];
    throw new UserError(
      `ablate: ${changed.length} of ${counted(plan.length, 'cell run')} were trained with another config than planned now ` +
        `(${path.basename(first.run.runDir)}: ${formatConfigDifferences(first.state.refused)}${changed.length > 1 ? `; also ${changed.slice(1).map((p) => path.basename(p.run.runDir)).join(', ')}` : ''}); ` +
        '--force starts those over, --out puts the ablation elsewhere',
    );
  }
  for (const { run, label, state } of plan) {
    if (isComplete(state)) {
      log(`${label}: finished, skipped`);
      continue;
    }
    const force = state.refused.length > 0; // only with --force, checked above
    const resume = !force && state.started;
    const grown = state.differences.length > 0 ? ` (${formatConfigDifferences(state.differences)})` : '';
    if (options.dryRun) {
      log(`${label}: would ${force ? 'start over' : resume ? 'resume' : 'train'}`);
      continue;
    }
    log(`${label}: ${force ? `starting over (${formatConfigDifferences(state.refused)})` : resume ? `resuming${grown}` : 'training'}`);
    await runTraining({ config: run.config, runDir: run.runDir, resume, force, log, ablationCell: run.ablationCell, continueWith: RESUME_HINT, verbose: options.verbose });
  }
  if (!options.dryRun) writeTable4(dir, log);
}

/** The resolved base config that the Table 4 job reads (the experiment folder made absolute). */
function saveTableConfig(base: ExperimentConfig, dir: string, dryRun: boolean): string {
  const file = path.resolve(dir, 'submissions', 'ablation.yaml');
  if (!dryRun) writeFileAtomic(file, configToYaml({ ...base, output: path.resolve(dir), executor: undefined }));
  return file;
}

export function registerAblateCommand(program: Command): void {
  const command = program
    .command('ablate')
    .description('sweep grid size N and p around a base config; one run per cell; writes the Table 4 layout')
    .requiredOption('--config <file>', 'experiment config with a sweep: section')
    .option('--out <dir>', 'experiment folder (default results/<name>)', folderFlag('--out'))
    .option('--epochs <n>', 'override training.epochs', positiveIntFlag('--epochs'))
    .option('--backend <name>', 'auto | tensorflow | webgpu | wasm | cpu', backendFlag)
    .option('--no-native', NO_NATIVE_HELP)
    .option('--seeds <list>', 'run every cell once per seed, e.g. 0,1,2', seedListFlag)
    .option('--force', 'start over the cells that were trained with another config than planned now')
    .option('--verbose', 'say why each better backend was not taken (also in summary.json)')
    .option('--dry-run', 'print the plan (and the Slurm script) and train nothing')
    .option('--table-only', 'write table4.md/.csv from the cells that have finished, and train nothing');
  addExecutorFlags(command).action(async (opts: AblateOptions) => {
    await ablateCommand(opts);
  });
}
