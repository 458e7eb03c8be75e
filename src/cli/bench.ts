// gridmix bench [--json] [--backend B] [--quick] [--compare-torch] [--memory] [--iterations N]
//               [--batch-size N] [--only SECTIONS] [--budget SECONDS] [--memory-steps N]
// Throughput of each mixing method and of a training step per backbone on the active backend, the
// paper's Table 3 measured here, resident memory over a step loop, and the PyTorch reference.
import * as os from 'os';
import { Command, InvalidArgumentError } from 'commander';
import { BACKEND_CHOICES, BackendUnavailableError, selectBackend, type BackendChoice, type BackendInfo } from '../engine/backend';
import { MEMORY_BASELINE_STEP } from '../bench/memory';
import { toJsonLine, type BenchRecord } from '../bench/records';
import { SECTION_RUNNERS } from '../bench/sections';
import { BENCH_SECTIONS, benchSettings, type BenchFlags, type BenchSection } from '../bench/settings';
import { formatRecord, sectionTitle, sectionVerdict } from '../bench/text-report';
import { UserError } from '../errors';
import { backendFlag, positiveIntFlag } from './flags';

export interface BenchOptions extends BenchFlags {
  /** One JSON object per line per measurement instead of tables. */
  json?: boolean;
  backend?: BackendChoice;
  /** false (--no-native): plain wasm, without gridmix's native oneDNN kernels. */
  native?: boolean;
  /** Where output lines go (stdout by default). */
  log?: (line: string) => void;
  /** Where progress lines go (stderr by default). */
  progress?: (line: string) => void;
}

export async function benchCommand(options: BenchOptions): Promise<BenchRecord[]> {
  const log = options.log ?? console.log;
  const progress = options.progress ?? ((line: string) => console.error(`[bench] ${line}`));
  if (options.backend !== undefined && !BACKEND_CHOICES.includes(options.backend)) {
    throw new UserError(`--backend: "${options.backend}" is not allowed; use one of: ${BACKEND_CHOICES.join(', ')}`);
  }
  const settings = benchSettings(options);
  if (settings.sections.includes('memory') && settings.memorySteps <= MEMORY_BASELINE_STEP) {
    throw new UserError(`--memory-steps: ${settings.memorySteps} is not allowed; use more than ${MEMORY_BASELINE_STEP} (rss is compared with step ${MEMORY_BASELINE_STEP})`);
  }
  const backend = await selectBenchBackend(options.backend ?? 'auto', options.native !== false);
  const records: BenchRecord[] = [];
  const emit = (record: BenchRecord) => {
    records.push(record);
    if (options.json) log(toJsonLine(record));
    else for (const line of formatRecord(record)) log(line);
  };

  emit({
    kind: 'environment',
    backend: backend.id,
    backend_label: backend.label,
    node: process.version,
    cores: os.cpus().length,
    load_average: os.loadavg()[0],
    quick: settings.quick,
    sections: settings.sections,
  });
  for (const section of settings.sections) {
    if (!options.json) log(['', ...sectionTitle(section, settings)].join('\n'));
    const before = records.length;
    await SECTION_RUNNERS[section]({ settings, backend: backend.id, emit, progress, records });
    if (!options.json) for (const line of sectionVerdict(section, records.slice(before))) log(line);
  }
  return records;
}

/** An explicitly requested backend that is not there is the user's to fix: one line, exit 1. */
async function selectBenchBackend(choice: BackendChoice, native: boolean): Promise<BackendInfo> {
  try {
    return await selectBackend(choice, { native });
  } catch (err) {
    if (err instanceof BackendUnavailableError) throw new UserError(`--backend: ${err.message}`);
    throw err;
  }
}

function sectionsFlag(value: string): BenchSection[] {
  const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = names.filter((s) => !(BENCH_SECTIONS as readonly string[]).includes(s));
  if (names.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`"${unknown.join(',') || value}" is not a section; use a comma-separated list of: ${BENCH_SECTIONS.join(', ')}`);
  }
  return names as BenchSection[];
}

function secondsFlag(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError(`expects a number of seconds > 0, got "${value}"`);
  return n;
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('throughput of each mixing method and of a training step per backbone, Table 3 on this machine, the PyTorch reference')
    .option('--json', 'one JSON object per line per measurement (for other tools)')
    .option('--backend <name>', `${BACKEND_CHOICES.join(' | ')} (default auto)`, backendFlag)
    .option('--no-native', 'plain wasm: leave out gridmix\'s native oneDNN kernels (the torch section measures both anyway)')
    .option('--quick', 'fewer iterations and smaller budgets: the big backbones skipped or at small batches')
    .option('--compare-torch', 'also time the same ResNet-20 GridMix step in PyTorch (Debian python3-torch) and print ours / PyTorch')
    .option('--memory', 'also measure resident memory over a loop of training steps (--memory-steps, default 200)')
    .option('--iterations <n>', 'timed iterations per measurement (default 5, 2 with --quick)', positiveIntFlag('--iterations'))
    .option('--batch-size <n>', 'batch of the mixing and training-step measurements (default 128)', positiveIntFlag('--batch-size'))
    .option('--only <sections>', `run only these sections (comma-separated: ${BENCH_SECTIONS.join(', ')})`, sectionsFlag)
    .option('--budget <seconds>', 'seconds one training-step measurement may take before it is skipped or shrunk (default 120, 20 with --quick)', secondsFlag)
    .option('--memory-steps <n>', 'steps of the memory loop (default 200, 30 with --quick)', positiveIntFlag('--memory-steps'))
    .action(async (opts: BenchOptions & { budget?: number }) => {
      await benchCommand({ ...opts, budgetSeconds: opts.budget });
    });
}
