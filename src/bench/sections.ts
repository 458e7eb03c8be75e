// The five parts of `gridmix bench`, each a function that measures and hands every record to `emit`
// as soon as it exists (a full bench takes minutes; the output streams).
import * as tf from '@tensorflow/tfjs';
import type { MixMethodConfig } from '../mix/registry';
import { VARIANT_TITLES } from '../report/paper-numbers';
import { batchCandidates, estimatedSeconds, largestBatchWithinBudget, secondsPerImage } from './budget';
import { measureMemoryGrowth } from './memory';
import { measureMixing, withStepShare } from './mixing';
import type { BenchRecord, TrainStepRecord } from './records';
import { SMALL_BACKBONES, type BenchSettings } from './settings';
import { StepRig, type StepRigArgs } from './step-rig';
import { itPerSecondAtBatch, projectedSeconds, table3Cells, TABLE3_BATCH_SIZE, TABLE3_INPUT_SIZE, TABLE3_NUM_CLASSES } from './table3';
import { compareWithTorch, runTorchReference, TORCH_THREAD_COUNTS } from './torch-reference';
import { measureTrainStep, probeStepSeconds } from './train-step';

export interface SectionContext {
  settings: BenchSettings;
  emit: (record: BenchRecord) => void;
  /** Progress for a person watching (stderr): what is being measured now. */
  progress: (line: string) => void;
  /** Every record emitted so far in this run (later sections reuse earlier measurements). */
  records: readonly BenchRecord[];
}

/** The paper's GridMix (4x4 grid, local head, gamma 0.15) and the same mixing without Eq. (4). */
export const GRIDMIX_WITH_HEAD: MixMethodConfig = { method: 'gridmix', grid: 4 };
export const GRIDMIX_WITHOUT_HEAD: MixMethodConfig = { method: 'gridmix', grid: 4, gamma: 0 };
const GRIDMIX_WITH_HEAD_LABEL = 'gridmix N=4';
const GRIDMIX_WITHOUT_HEAD_LABEL = 'gridmix N=4 wo. Eq.(4)';

/** CIFAR-10 at 32x32: the small backbones' dataset, and the PyTorch comparison's. */
const SMALL_INPUT_SIZE = 32;
const SMALL_NUM_CLASSES = 10;

/** Builds a backbone for one section's measurements and frees its memory afterwards. */
function withRig<T>(args: StepRigArgs, use: (rig: StepRig) => T): T {
  const rig = new StepRig(args);
  try {
    return use(rig);
  } finally {
    rig.dispose();
  }
}

/** Mixing throughput at 32x32x3 and 64x64x3, and each method's share of a ResNet-20 step. */
export function runMixingSection({ settings, emit, progress }: SectionContext): void {
  const { batchSize } = settings;
  progress(`mixing: ${settings.mixRounds} rounds of ${settings.mixBatchesPerRound} batches of ${batchSize} per method and size`);
  const records = measureMixing({
    shapes: [[32, 32, 3], [64, 64, 3]],
    batchSize,
    numClasses: 100,
    rounds: settings.mixRounds,
    batchesPerRound: settings.mixBatchesPerRound,
  });
  progress(`mixing: the reference step (resnet20, no mixing, no local head, batch ${batchSize})`);
  const reference = withRig({ backbone: 'resnet20', inputSize: 32, numClasses: 100 }, (rig) =>
    measureTrainStep(rig, { section: 'mixing', method: { method: 'baseline' }, batchSize, warmup: settings.warmup, iterations: settings.iterations }),
  );
  emit(reference);
  for (const record of withStepShare(records, reference.ms_per_step, 32, 32, batchSize)) emit(record);
}

/** Training-step throughput of each backbone that fits the budget, with and without the local head. */
export function runStepSection({ settings, emit, progress }: SectionContext): void {
  const { batchSize, warmup, iterations } = settings;
  const plan = { steps: warmup + iterations, budgetSeconds: settings.budgetSeconds };
  const measureBoth = (rig: StepRig) => {
    for (const [method, label] of [[GRIDMIX_WITH_HEAD, GRIDMIX_WITH_HEAD_LABEL], [GRIDMIX_WITHOUT_HEAD, GRIDMIX_WITHOUT_HEAD_LABEL]] as const) {
      progress(`steps: ${rig.args.backbone} ${label}, batch ${batchSize}, ${warmup} warm-up + ${iterations} timed`);
      emit(measureTrainStep(rig, { section: 'steps', label, method, batchSize, warmup, iterations }));
    }
  };
  for (const backbone of SMALL_BACKBONES) {
    withRig({ backbone, inputSize: SMALL_INPUT_SIZE, numClasses: SMALL_NUM_CLASSES }, measureBoth);
  }
  for (const { backbone, inputSize, numClasses } of settings.otherBackbones) {
    withRig({ backbone, inputSize, numClasses }, (rig) => {
      progress(`steps: probing ${backbone} (one step at batch ${settings.probeBatch})`);
      const perImage = secondsPerImage(probeStepSeconds(rig, GRIDMIX_WITH_HEAD, settings.probeBatch), settings.probeBatch);
      const estimate = estimatedSeconds(perImage, batchSize, plan);
      if (estimate > settings.budgetSeconds) {
        emit({
          kind: 'skipped',
          backend: tf.getBackend(),
          section: 'steps',
          backbone: `${backbone} (${inputSize}x${inputSize}, ${numClasses} classes)`,
          reason: `a probe step at batch ${settings.probeBatch} puts ${plan.steps} steps at batch ${batchSize} at ~${Math.round(estimate)} s per measurement, over the ${settings.budgetSeconds} s budget`,
          estimated_seconds: estimate,
        });
        return;
      }
      measureBoth(rig);
    });
  }
  if (settings.otherBackbones.length === 0) {
    emit({ kind: 'skipped', backend: tf.getBackend(), section: 'steps', backbone: 'the paper\'s backbones', reason: '--quick measures resnet20 and vgg_small only (Table 3 still times vgg19_bn and resnet101)' });
  }
}

/** The paper's Table 3 on this machine: it/s at batch 128 and the projected 200-epoch time. */
export function runTable3Section({ settings, emit, progress }: SectionContext): void {
  const steps = 1 + settings.table3Iterations;
  const plan = { steps, budgetSeconds: settings.table3BudgetSeconds };
  const cells = table3Cells();
  for (const backbone of [...new Set(cells.map((c) => c.backbone))]) {
    withRig({ backbone, inputSize: TABLE3_INPUT_SIZE, numClasses: TABLE3_NUM_CLASSES }, (rig) => {
      progress(`table3: probing ${backbone} (one GridMix step at batch ${settings.probeBatch})`);
      const perImage = secondsPerImage(probeStepSeconds(rig, cells[0].method, settings.probeBatch), settings.probeBatch);
      const fullBatch = Math.min(settings.batchSize, TABLE3_BATCH_SIZE);
      const batch = largestBatchWithinBudget(perImage, batchCandidates(fullBatch, 2), plan) ?? 2;
      for (const cell of cells.filter((c) => c.backbone === backbone)) {
        progress(`table3: ${backbone} ${VARIANT_TITLES[cell.variant]}, batch ${batch}, 1 warm-up + ${settings.table3Iterations} timed`);
        const step = measureTrainStep(rig, { section: 'table3', method: cell.method, batchSize: batch, warmup: 1, iterations: settings.table3Iterations });
        const itPerSecond = itPerSecondAtBatch(step.images_per_second);
        emit({
          kind: 'table3',
          backend: step.backend,
          backbone,
          method: cell.variant,
          measured_batch_size: batch,
          warmup: 1,
          iterations: step.iterations,
          images_per_second: step.images_per_second,
          it_per_second: itPerSecond,
          projected_seconds: projectedSeconds(itPerSecond),
          paper_it_per_second: cell.paperItPerSecond,
          paper_projected_seconds: projectedSeconds(cell.paperItPerSecond),
        });
      }
    });
  }
}

/** Resident memory over a loop of ResNet-20 GridMix steps. */
export function runMemorySection({ settings, emit, progress }: SectionContext): void {
  progress(`memory: ${settings.memorySteps} resnet20 GridMix steps at batch ${settings.memoryBatchSize}`);
  withRig({ backbone: 'resnet20', inputSize: SMALL_INPUT_SIZE, numClasses: SMALL_NUM_CLASSES }, (rig) => {
    emit(measureMemoryGrowth(rig, GRIDMIX_WITH_HEAD, settings.memoryBatchSize, settings.memorySteps));
  });
}

/** The step the PyTorch reference repeats: ResNet-20 + local head, GridMix 4x4, CIFAR-10 sizes. */
function isComparedStep(r: BenchRecord, batchSize: number): r is TrainStepRecord {
  return r.kind === 'train-step' && r.backbone === 'resnet20' && r.local_head && r.method === GRIDMIX_WITH_HEAD_LABEL &&
    r.num_classes === SMALL_NUM_CLASSES && r.input_size === SMALL_INPUT_SIZE && r.batch_size === batchSize;
}

/** Ours, then PyTorch on the same step; the ratio in images/s and the parameter-count check. */
export function runTorchSection({ settings, emit, progress, records }: SectionContext): void {
  const { batchSize, warmup, iterations } = settings;
  let ours = records.find((r): r is TrainStepRecord => isComparedStep(r, batchSize));
  if (!ours) {
    progress(`torch: ours first (resnet20 ${GRIDMIX_WITH_HEAD_LABEL}, batch ${batchSize})`);
    ours = withRig({ backbone: 'resnet20', inputSize: SMALL_INPUT_SIZE, numClasses: SMALL_NUM_CLASSES }, (rig) =>
      measureTrainStep(rig, { section: 'torch', label: GRIDMIX_WITH_HEAD_LABEL, method: GRIDMIX_WITH_HEAD, batchSize, warmup, iterations }),
    );
    emit(ours);
  }
  for (const threads of TORCH_THREAD_COUNTS) {
    progress(`torch: the PyTorch reference (scripts/reference/resnet20_gridmix_step.py), batch ${batchSize}, ${threads} thread(s)`);
    const reference = runTorchReference({ batchSize, numClasses: SMALL_NUM_CLASSES, grid: 4, localHead: true, threads, warmup: 2, iterations: Math.max(iterations, 3) });
    emit(reference);
    if (reference.kind !== 'torch-reference') return; // no python3-torch: the skipped record says how to get it
    emit(compareWithTorch(ours, reference));
  }
}

export const SECTION_RUNNERS = {
  mixing: runMixingSection,
  steps: runStepSection,
  table3: runTable3Section,
  memory: runMemorySection,
  torch: runTorchSection,
} as const;
