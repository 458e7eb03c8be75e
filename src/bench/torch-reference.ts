// The PyTorch side of `gridmix bench --compare-torch`: scripts/reference/resnet20_gridmix_step.py, run by
// Debian's python3 with python3-torch, times the same ResNet-20 + GridMix local head step on the same
// batch; its images/s and parameter count are set beside ours in the same run.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { SkippedRecord, TorchComparisonRecord, TorchReferenceRecord, TrainStepRecord } from './records';

export const TORCH_PYTHON = '/usr/bin/python3';
export const TORCH_SCRIPT = path.resolve(__dirname, '..', '..', '..', 'scripts', 'reference', 'resnet20_gridmix_step.py');
/**
 * Thread counts the reference runs with: the machine's two cores, then one thread, the same as
 * gridmix's single-threaded wasm backend.
 */
export const TORCH_THREAD_COUNTS = [2, 1] as const;

/**
 * ours / PyTorch (2 threads) in images/s that each engine is held to: the native kernels at least
 * PyTorch's speed; plain wasm, the fallback where they do not build, 0.4x.
 */
export const TORCH_RATIO_TARGETS: Record<string, number> = { 'wasm+onednn': 1.0, wasm: 0.4 };

export interface TorchReferenceArgs {
  batchSize: number;
  numClasses: number;
  grid: number;
  localHead: boolean;
  warmup: number;
  iterations: number;
  threads?: number;
  python?: string;
}

export function torchScriptArgs(args: TorchReferenceArgs): string[] {
  return [
    TORCH_SCRIPT,
    '--batch', String(args.batchSize),
    '--classes', String(args.numClasses),
    '--grid', String(args.grid),
    '--threads', String(args.threads ?? TORCH_THREAD_COUNTS[0]),
    '--warmup', String(args.warmup),
    '--iterations', String(args.iterations),
    ...(args.localHead ? [] : ['--no-local-head']),
  ];
}

/** Runs the reference; a machine without python3-torch gets a skipped record saying how to install it. */
export function runTorchReference(args: TorchReferenceArgs): TorchReferenceRecord | SkippedRecord {
  const python = args.python ?? TORCH_PYTHON;
  const skipped = (reason: string): SkippedRecord => ({ kind: 'skipped', backend: 'pytorch', section: 'torch', backbone: 'resnet20', reason });
  if (!fs.existsSync(python)) return skipped(`${python} not found (apt-get install -y python3-torch)`);
  const run = spawnSync(python, torchScriptArgs(args), { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (run.status !== 0) {
    const why = (run.stderr || run.error?.message || '').trim().split('\n').at(-1);
    return skipped(`the PyTorch reference failed (${why}); it needs Debian's python3-torch: apt-get install -y python3-torch`);
  }
  const lastLine = run.stdout.trim().split('\n').at(-1) ?? '';
  return { kind: 'torch-reference', backend: 'pytorch', ...(JSON.parse(lastLine) as Omit<TorchReferenceRecord, 'kind' | 'backend'>) };
}

/** ours / PyTorch in images/s, and whether both built the same number of parameters. */
export function compareWithTorch(ours: TrainStepRecord, reference: TorchReferenceRecord): TorchComparisonRecord {
  return {
    kind: 'torch-comparison',
    backend: ours.backend,
    backbone: ours.backbone,
    batch_size: ours.batch_size,
    ours_images_per_second: ours.images_per_second,
    torch_images_per_second: reference.images_per_second,
    ratio: ours.images_per_second / reference.images_per_second,
    cpu_time_ratio: reference.cpu_ms_per_step / ours.cpu_ms_per_step,
    torch_threads: reference.threads,
    ours_parameters: ours.parameters,
    torch_parameters: reference.parameters,
    parameters_match: ours.parameters === reference.parameters,
  };
}
