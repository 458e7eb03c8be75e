// gridmix ablate --config FILE: one run per cell of the sweep (Table 4's layout), each in its own
// folder under the experiment's; finished cells are skipped, interrupted ones resumed; then the
// experiment's Table 4 is written beside its runs.
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { loadConfig } from '../config/load';
import { experimentDir } from '../config/schema';
import { table4 } from '../report/build-tables';
import { collectRuns } from '../report/collect';
import { runPaths, type Summary } from '../train/run-files';
import { runTraining } from '../train/run';
import { sweepCells } from '../train/sweep';
import { UserError } from '../errors';
import { NO_NATIVE_HELP, nativeOverride, positiveIntFlag, seedListFlag } from './flags';
import { writeTables } from './report';

export interface AblateOptions {
  config: string;
  out?: string;
  epochs?: number;
  backend?: string;
  /** false with --no-native (commander makes it true otherwise; see nativeOverride). */
  native?: boolean;
  seeds?: number[];
  log?: (line: string) => void;
}

function isFinished(runDir: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(runPaths(runDir).summary, 'utf8')) as Summary).finished === true;
  } catch {
    return false;
  }
}

export async function ablateCommand(options: AblateOptions): Promise<void> {
  const log = options.log ?? console.log;
  const base = loadConfig(options.config, { epochs: options.epochs, backend: options.backend, native: nativeOverride(options.native), out: options.out });
  if (!base.sweep || Object.values(base.sweep).every((v) => v === undefined)) {
    throw new UserError(`config error in ${options.config}: sweep: missing; an ablation needs e.g. sweep: { grid: [2, 4, 8, 16, random], p: [0.5, 0.6, 0.7, 0.8, 0.9] }`);
  }
  const dir = experimentDir(base);
  const cells = sweepCells(base);
  const seeds = options.seeds ?? base.seeds ?? [base.seed];
  log(`ablation ${base.name}: ${cells.length} cells x ${seeds.length} seed(s) -> ${dir}`);
  for (const cell of cells) {
    for (const seed of seeds) {
      const runDir = path.join(dir, `${cell.name}-seed${seed}`);
      if (isFinished(runDir)) {
        log(`${cell.name} seed ${seed}: finished, skipped`);
        continue;
      }
      const resume = fs.existsSync(runPaths(runDir).checkpoint);
      log(`${cell.name} seed ${seed}: ${resume ? 'resuming' : 'training'}`);
      await runTraining({ config: { ...cell.config, seed }, runDir, resume, force: false, log, ablationCell: cell.name });
    }
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
    .option('--out <dir>', 'experiment folder (default results/<name>)')
    .option('--epochs <n>', 'override training.epochs', positiveIntFlag('--epochs'))
    .option('--backend <name>', 'auto | tensorflow | webgpu | wasm | cpu')
    .option('--no-native', NO_NATIVE_HELP)
    .option('--seeds <list>', 'run every cell once per seed, e.g. 0,1,2', seedListFlag)
    .action(async (opts: AblateOptions) => {
      await ablateCommand(opts);
    });
}
