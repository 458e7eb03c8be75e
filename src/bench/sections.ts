// The five parts of `gridmix bench`, each a function that measures and hands every record to `emit`
// as soon as it exists (a full bench takes minutes; the output streams). Measurements that build a
// backbone beyond ResNet-20 run in child processes (child-job.ts).
import { GRIDMIX_WITH_HEAD, GRIDMIX_WITH_HEAD_LABEL, withRig } from './backbone-jobs';
import { runJobInChild } from './child-job';
import { measureMemoryGrowth } from './memory';
import { measureMixing, withStepShare } from './mixing';
import type { BenchRecord, TrainStepRecord } from './records';
import { SMALL_BACKBONES, type BenchSection, type BenchSettings } from './settings';
import { table3Cells } from './table3';
import { compareWithTorch, runTorchReference, TORCH_THREAD_COUNTS } from './torch-reference';
import { measureTrainStep } from './train-step';
import { backendId, CPU_ENGINE_ORDER } from '../engine/backend';
import { disableNativeKernels, enableNativeKernels } from '../engine/native';

export interface SectionContext {
  settings: BenchSettings;
  /** Backend id in use ('wasm+onednn', 'wasm', ...): the backbone jobs' child processes select it too. */
  backend: string;
  emit: (record: BenchRecord) => void;
  /** Progress for a person watching (stderr): what is being measured now. */
  progress: (line: string) => void;
  /** Every record emitted so far in this run (later sections reuse earlier measurements). */
  records: readonly BenchRecord[];
}

/** CIFAR-10 at 32x32: the small backbones' dataset, and the PyTorch comparison's. */
const SMALL_INPUT_SIZE = 32;
const SMALL_NUM_CLASSES = 10;

/** Mixing throughput at 32x32x3 and 64x64x3, and each method's share of a ResNet-20 step. */
export async function runMixingSection({ settings, emit, progress }: SectionContext): Promise<void> {
  const { batchSize } = settings;
  progress(`mixing: ${settings.mixRounds} rounds of ${settings.mixBatchesPerRound} batches of ${batchSize} per method and size`);
  const records = await measureMixing({
    shapes: [[32, 32, 3], [64, 64, 3]],
    batchSize,
    numClasses: 100,
    rounds: settings.mixRounds,
    batchesPerRound: settings.mixBatchesPerRound,
  });
  progress(`mixing: the reference step (resnet20, no mixing, no local head, batch ${batchSize})`);
  const reference = await withRig({ backbone: 'resnet20', inputSize: 32, numClasses: 100 }, (rig) =>
    measureTrainStep(rig, { section: 'mixing', method: { method: 'baseline' }, batchSize, warmup: settings.warmup, iterations: settings.iterations }),
  );
  emit(reference);
  for (const record of withStepShare(records, reference.ms_per_step, 32, 32, batchSize)) emit(record);
}

/** Training-step throughput of each backbone that fits the budget, with and without the local head. */
export async function runStepSection(ctx: SectionContext): Promise<void> {
  const { settings } = ctx;
  for (const backbone of SMALL_BACKBONES) {
    await runJobInChild({ kind: 'steps', backbone, inputSize: SMALL_INPUT_SIZE, numClasses: SMALL_NUM_CLASSES, probeFirst: false }, ctx.backend, ctx);
  }
  for (const { backbone, inputSize, numClasses } of settings.otherBackbones) {
    await runJobInChild({ kind: 'steps', backbone, inputSize, numClasses, probeFirst: true }, ctx.backend, ctx);
  }
  if (settings.otherBackbones.length === 0) {
    ctx.emit({ kind: 'skipped', backend: ctx.backend, section: 'steps', backbone: 'the paper\'s backbones', reason: '--quick measures resnet20 and vgg_small only (Table 3 still times vgg19_bn and resnet101)' });
  }
}

/** The paper's Table 3 on this machine: it/s at batch 128 and the projected 200-epoch time, one backbone per process. */
export async function runTable3Section(ctx: SectionContext): Promise<void> {
  for (const backbone of [...new Set(table3Cells().map((c) => c.backbone))]) {
    // A batch that exhausts the wasm heap is retried at half the size, in a fresh process.
    let maxBatch: number | undefined;
    for (;;) {
      const outcome = await runJobInChild({ kind: 'table3', backbone, maxBatch }, ctx.backend, ctx, { retryOnHeapExhausted: maxBatch === undefined || maxBatch > 2 });
      if (outcome.heapExhaustedAt === undefined) break;
      maxBatch = Math.max(2, Math.floor(outcome.heapExhaustedAt / 2));
      ctx.progress(`table3: ${backbone} ran out of wasm heap at batch ${outcome.heapExhaustedAt}; again at batch <= ${maxBatch}`);
    }
  }
}

/** Resident memory over a loop of ResNet-20 GridMix steps. */
export async function runMemorySection({ settings, emit, progress }: SectionContext): Promise<void> {
  progress(`memory: ${settings.memorySteps} resnet20 GridMix steps at batch ${settings.memoryBatchSize}`);
  await withRig({ backbone: 'resnet20', inputSize: SMALL_INPUT_SIZE, numClasses: SMALL_NUM_CLASSES }, async (rig) => {
    emit(await measureMemoryGrowth(rig, GRIDMIX_WITH_HEAD, settings.memoryBatchSize, settings.memorySteps));
  });
}

/** The step the PyTorch reference repeats: ResNet-20 + local head, GridMix 4x4, CIFAR-10 sizes. */
function isComparedStep(r: BenchRecord, batchSize: number): r is TrainStepRecord {
  return r.kind === 'train-step' && r.backbone === 'resnet20' && r.local_head && r.method === GRIDMIX_WITH_HEAD_LABEL &&
    r.num_classes === SMALL_NUM_CLASSES && r.input_size === SMALL_INPUT_SIZE && r.batch_size === batchSize;
}

/**
 * Ours, then PyTorch on the same step; the ratio in images/s and the parameter-count check. With the
 * native kernels on, ours is measured twice, with and without them, so one run shows wasm,
 * wasm+onednn and PyTorch side by side.
 */
export async function runTorchSection({ settings, backend, emit, progress, records }: SectionContext): Promise<void> {
  const { batchSize, warmup, iterations } = settings;
  const measure = async (): Promise<TrainStepRecord> => {
    progress(`torch: ours on ${backendId()} (resnet20 ${GRIDMIX_WITH_HEAD_LABEL}, batch ${batchSize})`);
    const record = await withRig({ backbone: 'resnet20', inputSize: SMALL_INPUT_SIZE, numClasses: SMALL_NUM_CLASSES }, (rig) =>
      measureTrainStep(rig, { section: 'torch', label: GRIDMIX_WITH_HEAD_LABEL, method: GRIDMIX_WITH_HEAD, batchSize, warmup, iterations }),
    );
    emit(record);
    return record;
  };
  const ours = [records.find((r): r is TrainStepRecord => isComparedStep(r, batchSize) && r.backend === backend) ?? (await measure())];
  if (backend === 'wasm+onednn') ours.push(await withNativeKernelsOff(measure));
  for (const threads of TORCH_THREAD_COUNTS) {
    progress(`torch: the PyTorch reference (scripts/reference/resnet20_gridmix_step.py), batch ${batchSize}, ${threads} thread(s)`);
    const reference = runTorchReference({ batchSize, numClasses: SMALL_NUM_CLASSES, grid: 4, localHead: true, threads, warmup: 2, iterations: Math.max(iterations, 3) });
    emit(reference);
    if (reference.kind !== 'torch-reference') return; // no python3-torch: the skipped record says how to get it
    for (const record of ours) emit(compareWithTorch(record, reference));
  }
}

/** Runs `measure` on plain wasm, then turns the native kernels back on. */
async function withNativeKernelsOff<T>(measure: () => Promise<T>): Promise<T> {
  disableNativeKernels();
  try {
    return await measure();
  } finally {
    enableNativeKernels();
  }
}

/**
 * The resnet20 GridMix step (local head, batch from --batch-size) on each CPU engine auto chooses
 * between, one fresh process each in the same run, and their ratio: the measurement behind
 * CPU_ENGINE_ORDER. An engine that is not installed here becomes a skipped record saying why.
 */
export async function runEnginesSection(ctx: SectionContext): Promise<void> {
  const { settings, emit } = ctx;
  const job = { kind: 'engine', backbone: 'resnet20', inputSize: SMALL_INPUT_SIZE, numClasses: SMALL_NUM_CLASSES } as const;
  const measured: Record<string, number> = {};
  for (const engine of CPU_ENGINE_ORDER) {
    const collect = (r: BenchRecord) => {
      if (r.kind === 'train-step' && r.backend === engine) measured[engine] = r.images_per_second;
      emit(r);
    };
    await runJobInChild(job, engine, { ...ctx, emit: collect });
  }
  const [first, second] = CPU_ENGINE_ORDER;
  if (measured[first] === undefined || measured[second] === undefined) return;
  emit({
    kind: 'engine-comparison',
    backend: first,
    backbone: 'resnet20',
    method: GRIDMIX_WITH_HEAD_LABEL,
    batch_size: settings.batchSize,
    images_per_second: measured,
    ratio: measured[first] / measured[second],
    engines: [first, second],
    auto_order: [...CPU_ENGINE_ORDER],
    order_holds: measured[first] >= measured[second],
  });
}

export const SECTION_RUNNERS: Record<BenchSection, (ctx: SectionContext) => void | Promise<void>> = {
  mixing: runMixingSection,
  steps: runStepSection,
  table3: runTable3Section,
  memory: runMemorySection,
  torch: runTorchSection,
  engines: runEnginesSection,
};
