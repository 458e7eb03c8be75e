// gridmix ablate --config FILE: one run per cell of the sweep (Table 4's layout), each in its own
// folder under the experiment's; finished cells are skipped, interrupted ones resumed, cells trained
// under another config than planned now refused (or, with --force, started over); then the
// experiment's Table 4 is written beside its runs.
import * as path from 'path';
import { Command } from 'commander';
import { loadConfig } from '../config/load';
import { experimentDir } from '../config/schema';
import { table4 } from '../report/build-tables';
import { collectRuns } from '../report/collect';
import { formatConfigDifferences } from '../config/config-diff';
import { inspectRun, isComplete } from '../train/run-state';
import { runTraining } from '../train/run';
import { sweepCells } from '../train/sweep';
import { UserError } from '../errors';
import { backendFlag, folderFlag, nativeOverride, NO_NATIVE_HELP, positiveIntFlag, seedListFlag } from './flags';
import { writeTables } from './report';
import { counted } from '../text/plural';

export interface AblateOptions {
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
  log?: (line: string) => void;
}

/** ablate has no --resume: running it again resumes (finished cells are skipped, the cut one continues). */
const RESUME_HINT = 'run the same gridmix ablate command again to continue (finished cells are skipped)';

export async function ablateCommand(options: AblateOptions): Promise<void> {
  const log = options.log ?? console.log;
  const base = loadConfig(options.config, { epochs: options.epochs, backend: options.backend, native: nativeOverride(options.native), out: options.out });
  if (!base.sweep || Object.values(base.sweep).every((v) => v === undefined)) {
    throw new UserError(`config error in ${options.config}: sweep: missing; an ablation needs e.g. sweep: { grid: [2, 4, 8, 16, random], p: [0.5, 0.6, 0.7, 0.8, 0.9] }`);
  }
  const dir = experimentDir(base);
  const cells = sweepCells(base);
  const seeds = options.seeds ?? base.seeds ?? [base.seed];
  // Every cell's folder is checked against its planned config before anything trains: a cell run
  // under another config (the base lr changed, say) is neither finished nor to be continued.
  const plan = cells.flatMap((cell) =>
    seeds.map((seed) => {
      const config = { ...cell.config, seed };
      const runDir = path.join(dir, `${cell.name}-seed${seed}`);
      return { cell, seed, config, runDir, state: inspectRun(runDir, config) };
    }),
  );
  const changed = plan.filter((run) => run.state.refused.length > 0);
  if (changed.length > 0 && !options.force) {
    const first = changed[0];
    throw new UserError(
      `ablate: ${changed.length} of ${counted(plan.length, 'cell run')} were trained with another config than planned now ` +
        `(${path.basename(first.runDir)}: ${formatConfigDifferences(first.state.refused)}${changed.length > 1 ? `; also ${changed.slice(1).map((r) => path.basename(r.runDir)).join(', ')}` : ''}); ` +
        '--force starts those over, --out puts the ablation elsewhere',
    );
  }
  log(`ablation ${base.name}: ${counted(cells.length, 'cell')} x ${counted(seeds.length, 'seed')} -> ${dir}`);
  for (const { cell, seed, config, runDir, state } of plan) {
    const label = `${cell.name} seed ${seed}`;
    if (isComplete(state)) {
      log(`${label}: finished, skipped`);
      continue;
    }
    const force = state.refused.length > 0; // only with --force, checked above
    const resume = !force && state.started;
    const grown = state.differences.length > 0 ? ` (${formatConfigDifferences(state.differences)})` : '';
    log(`${label}: ${force ? `starting over (${formatConfigDifferences(state.refused)})` : resume ? `resuming${grown}` : 'training'}`);
    await runTraining({ config, runDir, resume, force, log, ablationCell: cell.name, continueWith: RESUME_HINT, verbose: options.verbose });
  }
  const table = table4(collectRuns(dir));
  writeTables([table], dir);
  log(`Table 4 layout written to ${path.join(dir, 'table4.md')} and table4.csv`);
}

export function registerAblateCommand(program: Command): void {
  program
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
    .action(async (opts: AblateOptions) => {
      await ablateCommand(opts);
    });
}
