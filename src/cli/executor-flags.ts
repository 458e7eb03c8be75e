// The flags that choose where many runs go (train with several configs or seeds, ablate), shared by
// both verbs, and how they combine with the configs' `executor:` block: flags > --executor FILE >
// the configs' block > the defaults (src/config/schema.ts).
import * as fs from 'fs';
import { Command, InvalidArgumentError } from 'commander';
import { deepMerge, readConfigTree } from '../config/load';
import { executorSchema, EXECUTOR_NAMES, type ExecutorConfig, type ExperimentConfig } from '../config/schema';
import { UserError } from '../errors';
import { positiveIntFlag } from './flags';

export interface ExecutorFlags {
  /** local | slurm | a YAML file with an executor: block. */
  executor?: string;
  jobs?: number;
  gpus?: number[];
  partition?: string;
  time?: string;
  gpusPerTask?: number;
  gres?: string;
  cpusPerTask?: number;
  mem?: string;
  account?: string;
  qos?: string;
  maxRunning?: number;
  sbatch?: string[];
}

function gpuListFlag(value: string): number[] {
  const ids = value.split(',').map((s) => Number(s.trim()));
  if (ids.some((n) => !Number.isInteger(n) || n < 0)) throw new InvalidArgumentError(`expects a comma-separated list of GPU ids, e.g. 0,1, got "${value}"`);
  return ids;
}

function nonNegativeIntFlag(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${flag} expects an integer >= 0, got "${value}"`);
    return n;
  };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function addExecutorFlags(command: Command): Command {
  return command
    .option('--executor <name|file>', `${EXECUTOR_NAMES.join(' | ')}, or a YAML file with an executor: block (e.g. configs/cluster/slurm-gpu.yaml)`)
    .option('--jobs <n>', 'local: runs at a time (child processes); slurm: tasks at a time (--array=...%N)', positiveIntFlag('--jobs'))
    .option('--gpus <ids>', 'local: one GPU per job slot, e.g. 0,1 (CUDA_VISIBLE_DEVICES, for the tensorflow backend)', gpuListFlag)
    .option('--partition <name>', 'slurm: #SBATCH --partition')
    .option('--time <limit>', 'slurm: #SBATCH --time per task, e.g. 1-00:00:00 (a task near it checkpoints and requeues)')
    .option('--gpus-per-task <n>', 'slurm: #SBATCH --gres=gpu:N', nonNegativeIntFlag('--gpus-per-task'))
    .option('--gres <spec>', 'slurm: #SBATCH --gres, e.g. gpu:a100:1')
    .option('--cpus-per-task <n>', 'slurm: #SBATCH --cpus-per-task', positiveIntFlag('--cpus-per-task'))
    .option('--mem <size>', 'slurm: #SBATCH --mem, e.g. 16G')
    .option('--account <name>', 'slurm: #SBATCH --account')
    .option('--qos <name>', 'slurm: #SBATCH --qos')
    .option('--max-running <n>', 'slurm: at most N tasks at once (default: --jobs, else no limit)', positiveIntFlag('--max-running'))
    .option('--sbatch <option>', 'slurm: one more #SBATCH line, e.g. --sbatch=--constraint=a100 (repeatable)', collect);
}

/** Whether any flag asks for an executor (else one config trains in this process, as always). */
export function executorRequested(flags: ExecutorFlags): boolean {
  const keys: (keyof ExecutorFlags)[] = ['executor', 'jobs', 'gpus', 'partition', 'time', 'gpusPerTask', 'gres', 'cpusPerTask', 'mem', 'account', 'qos', 'maxRunning', 'sbatch'];
  return keys.some((k) => flags[k] !== undefined);
}

type Raw = Record<string, unknown>;

function executorBlockOfFile(file: string): Raw {
  if (!fs.existsSync(file)) {
    throw new UserError(`--executor: got "${file}"; expected ${EXECUTOR_NAMES.join(' or ')}, or a YAML file with an executor: block (no such file)`);
  }
  const block = readConfigTree(file).executor;
  if (block === undefined || block === null || typeof block !== 'object' || Array.isArray(block)) {
    throw new UserError(`--executor ${file}: the file has no executor: block (e.g. executor: { name: slurm, slurm: { partition: gpu } })`);
  }
  return block as Raw;
}

/** The executor settings of a plan whose runs come from `configs` (read from `files`). */
export function resolveExecutor(configs: ExperimentConfig[], files: string[], flags: ExecutorFlags): ExecutorConfig {
  const blocks = configs.map((c) => JSON.stringify(c.executor ?? null));
  const differing = blocks.findIndex((b) => b !== blocks[0]);
  if (differing > 0) {
    throw new UserError(`${files[0]} and ${files[differing]} ask for different executor: settings; give the settings once with --executor FILE`);
  }
  let merged: Raw = (configs[0]?.executor as Raw | undefined) ?? {};
  let source = configs[0]?.executor ? files[0] : 'the flags';
  if (flags.executor !== undefined && !(EXECUTOR_NAMES as readonly string[]).includes(flags.executor)) {
    merged = deepMerge(merged, executorBlockOfFile(flags.executor));
    source = flags.executor;
  }
  const slurm: Raw = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined) slurm[key] = value;
  };
  set('partition', flags.partition);
  set('time', flags.time);
  set('gpus', flags.gpusPerTask);
  set('gres', flags.gres);
  set('cpusPerTask', flags.cpusPerTask);
  set('mem', flags.mem);
  set('account', flags.account);
  set('qos', flags.qos);
  set('maxRunning', flags.maxRunning);
  if (flags.sbatch) set('extra', [...(((merged.slurm as Raw | undefined)?.extra as string[] | undefined) ?? []), ...flags.sbatch]);
  const patch: Raw = { slurm };
  if (flags.executor !== undefined && (EXECUTOR_NAMES as readonly string[]).includes(flags.executor)) patch.name = flags.executor;
  if (flags.jobs !== undefined) patch.jobs = flags.jobs;
  if (flags.gpus !== undefined) patch.gpus = flags.gpus;
  merged = deepMerge(merged, patch);
  const parsed = executorSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = ['executor', ...issue.path.map(String), ...(issue.code === 'unrecognized_keys' ? [issue.keys[0]] : [])].join('.');
    const what = issue.code === 'unrecognized_keys' ? 'unknown key' : `got ${JSON.stringify(valueAt(merged, issue.path))}; ${issue.message}`;
    throw new UserError(`executor settings (from ${source}): ${key}: ${what}`);
  }
  return parsed.data;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  return node;
}
