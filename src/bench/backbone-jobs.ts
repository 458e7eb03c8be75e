// The measurements that build a backbone: section 2's training steps (with and without the local
// head, after a budget probe for the big ones) and one Table 3 row. Each runs as one job in its own
// process (child-job.ts): the wasm heap never shrinks, so a big backbone measured after another
// would inherit its fragmented heap and may run out of memory.
import { backendId } from '../engine/backend';
import type { MixMethodConfig } from '../mix/registry';
import { VARIANT_TITLES } from '../report/paper-numbers';
import { batchCandidates, estimatedSeconds, largestBatchWithinBudget, secondsPerImage } from './budget';
import type { BenchRecord } from './records';
import type { BenchSettings } from './settings';
import { StepRig, type StepRigArgs } from './step-rig';
import { itPerSecondAtBatch, projectedSeconds, table3Cells, TABLE3_BATCH_SIZE, TABLE3_INPUT_SIZE, TABLE3_NUM_CLASSES } from './table3';
import { measureTrainStep, probeStepSeconds } from './train-step';

/** The paper's GridMix (4x4 grid, local head, gamma 0.15) and the same mixing without Eq. (4). */
export const GRIDMIX_WITH_HEAD: MixMethodConfig = { method: 'gridmix', grid: 4 };
export const GRIDMIX_WITHOUT_HEAD: MixMethodConfig = { method: 'gridmix', grid: 4, gamma: 0 };
export const GRIDMIX_WITH_HEAD_LABEL = 'gridmix N=4';
export const GRIDMIX_WITHOUT_HEAD_LABEL = 'gridmix N=4 wo. Eq.(4)';

export type BackboneJob =
  /** Section 2: both step variants; `probeFirst` skips the backbone when a probe step says it exceeds the budget. */
  | { kind: 'steps'; backbone: string; inputSize: number; numClasses: number; probeFirst: boolean }
  /** Section 3: MixUp, CutMix and GridMix on one Table 3 backbone, at a batch of at most `maxBatch`. */
  | { kind: 'table3'; backbone: string; maxBatch?: number }
  /** The engines section: one GridMix step with the local head on the backend the process selected. */
  | { kind: 'engine'; backbone: string; inputSize: number; numClasses: number };

/**
 * A wasm instance addresses at most 4 GiB; past that its allocator aborts the instance for good, or
 * a kernel reads past the heap's end (ResNet-101 on 32x32 needs ~130 MB of heap per image in a
 * training step, so batch 32 fits or not depending on fragmentation). The job then fails with this
 * error, and the parent retries at a smaller batch in a new process.
 */
export class WasmHeapExhausted extends Error {
  constructor(readonly batchSize: number, cause: string) {
    super(`the wasm heap ran out at batch ${batchSize} (${cause}; a wasm instance addresses at most 4 GiB)`);
  }

  /** The batch named by this error's message (as the child process prints it), if it is one. */
  static batchIn(message: string): number | undefined {
    const match = /^the wasm heap ran out at batch (\d+) /.exec(message);
    return match ? Number(match[1]) : undefined;
  }
}

/**
 * How a wasm instance fails when its heap cannot grow: Emscripten's abort() ("Aborted()") or a
 * WebAssembly.RuntimeError ("memory access out of bounds"), both seen here at ResNet-101 batch 32.
 */
function isWasmHeapFailure(err: unknown): err is Error {
  return err instanceof WebAssembly.RuntimeError || (err instanceof Error && err.message.startsWith('Aborted('));
}

export interface JobContext {
  settings: BenchSettings;
  emit: (record: BenchRecord) => void;
  progress: (line: string) => void;
}

/** Builds a backbone for one job's measurements and frees its memory afterwards. */
export async function withRig<T>(args: StepRigArgs, use: (rig: StepRig) => Promise<T>): Promise<T> {
  const rig = new StepRig(args);
  try {
    return await use(rig);
  } finally {
    rig.dispose();
  }
}

export async function runBackboneJob(job: BackboneJob, ctx: JobContext): Promise<void> {
  if (job.kind === 'steps') await measureStepVariants(job, ctx);
  else if (job.kind === 'engine') await measureEngineStep(job, ctx);
  else await measureTable3Row(job.backbone, job.maxBatch, ctx);
}

/** Runs `measure` at `batchSize`, naming an exhausted wasm heap as such. */
async function atBatch<T>(batchSize: number, measure: () => Promise<T>): Promise<T> {
  try {
    return await measure();
  } catch (err) {
    throw isWasmHeapFailure(err) ? new WasmHeapExhausted(batchSize, err.message) : err;
  }
}

async function measureStepVariants(job: Extract<BackboneJob, { kind: 'steps' }>, { settings, emit, progress }: JobContext): Promise<void> {
  const { batchSize, warmup, iterations } = settings;
  const plan = { steps: warmup + iterations, budgetSeconds: settings.budgetSeconds };
  const { backbone, inputSize, numClasses } = job;
  await withRig({ backbone, inputSize, numClasses }, async (rig) => {
    if (job.probeFirst) {
      progress(`steps: probing ${backbone} (one step at batch ${settings.probeBatch})`);
      const perImage = secondsPerImage(await probeStepSeconds(rig, GRIDMIX_WITH_HEAD, settings.probeBatch), settings.probeBatch);
      const estimate = estimatedSeconds(perImage, batchSize, plan);
      if (estimate > settings.budgetSeconds) {
        emit({
          kind: 'skipped',
          backend: backendId(),
          section: 'steps',
          backbone: `${backbone} (${inputSize}x${inputSize}, ${numClasses} classes)`,
          reason: `a probe step at batch ${settings.probeBatch} puts ${plan.steps} steps at batch ${batchSize} at ~${Math.round(estimate)} s per measurement, over the ${settings.budgetSeconds} s budget`,
          estimated_seconds: estimate,
        });
        return;
      }
    }
    for (const [method, label] of [[GRIDMIX_WITH_HEAD, GRIDMIX_WITH_HEAD_LABEL], [GRIDMIX_WITHOUT_HEAD, GRIDMIX_WITHOUT_HEAD_LABEL]] as const) {
      progress(`steps: ${backbone} ${label}, batch ${batchSize}, ${warmup} warm-up + ${iterations} timed`);
      emit(await atBatch(batchSize, () => measureTrainStep(rig, { section: 'steps', label, method, batchSize, warmup, iterations })));
    }
  });
}

async function measureEngineStep(job: Extract<BackboneJob, { kind: 'engine' }>, { settings, emit, progress }: JobContext): Promise<void> {
  const { batchSize, warmup, iterations } = settings;
  await withRig(job, async (rig) => {
    progress(`engines: ${job.backbone} ${GRIDMIX_WITH_HEAD_LABEL} on ${backendId()}, batch ${batchSize}, ${warmup} warm-up + ${iterations} timed`);
    emit(await measureTrainStep(rig, { section: 'engines', label: GRIDMIX_WITH_HEAD_LABEL, method: GRIDMIX_WITH_HEAD, batchSize, warmup, iterations }));
  });
}

/** One backbone's row of Table 3, at the largest batch whose probe-based estimate fits the budget. */
async function measureTable3Row(backbone: string, maxBatch: number | undefined, { settings, emit, progress }: JobContext): Promise<void> {
  const plan = { steps: 1 + settings.table3Iterations, budgetSeconds: settings.table3BudgetSeconds };
  const cells = table3Cells().filter((c) => c.backbone === backbone);
  await withRig({ backbone, inputSize: TABLE3_INPUT_SIZE, numClasses: TABLE3_NUM_CLASSES }, async (rig) => {
    progress(`table3: probing ${backbone} (one GridMix step at batch ${settings.probeBatch})`);
    const gridmixCell = cells.find((c) => c.variant === 'gridmix')!;
    const perImage = secondsPerImage(await probeStepSeconds(rig, gridmixCell.method, settings.probeBatch), settings.probeBatch);
    const fullBatch = Math.min(settings.batchSize, TABLE3_BATCH_SIZE, maxBatch ?? Infinity);
    const batch = largestBatchWithinBudget(perImage, batchCandidates(fullBatch, 2), plan) ?? 2;
    // The row is emitted whole: a retry at a smaller batch must not repeat cells measured before.
    const row: BenchRecord[] = [];
    for (const cell of cells) {
      progress(`table3: ${backbone} ${VARIANT_TITLES[cell.variant]}, batch ${batch}, 1 warm-up + ${settings.table3Iterations} timed`);
      const step = await atBatch(batch, () =>
        measureTrainStep(rig, { section: 'table3', method: cell.method, batchSize: batch, warmup: 1, iterations: settings.table3Iterations }));
      const itPerSecond = itPerSecondAtBatch(step.images_per_second);
      row.push({
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
    for (const record of row) emit(record);
  });
}
