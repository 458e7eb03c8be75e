// Resident memory over a loop of training steps: a leak of tensors or of wasm heap shows as growth
// between step 10 (after the heap has settled) and the last step. Target: no growth above 5 %.
import * as tf from '@tensorflow/tfjs';
import { backendId } from '../engine/backend';
import type { MixMethodConfig } from '../mix/registry';
import type { MemoryRecord } from './records';
import type { StepRig } from './step-rig';

export const MEMORY_GROWTH_TARGET_PERCENT = 5;
/** The step whose resident memory is the baseline: the first steps grow the wasm heap legitimately. */
export const MEMORY_BASELINE_STEP = 10;

const MB = 1024 * 1024;

export function growthPercent(before: number, after: number): number {
  return (100 * (after - before)) / before;
}

export function measureMemoryGrowth(rig: StepRig, method: MixMethodConfig, batchSize: number, steps: number): MemoryRecord {
  if (steps <= MEMORY_BASELINE_STEP) throw new Error(`the memory loop needs more than ${MEMORY_BASELINE_STEP} steps, got ${steps}`);
  const { method: mixMethod, step } = rig.stepper(method, batchSize);
  let rssAtBaseline = 0;
  let tensorsAtBaseline = 0;
  for (let k = 1; k <= steps; k++) {
    step();
    if (k === MEMORY_BASELINE_STEP) {
      rssAtBaseline = process.memoryUsage().rss;
      tensorsAtBaseline = tf.memory().numTensors;
    }
  }
  const rssAtEnd = process.memoryUsage().rss;
  const growth = growthPercent(rssAtBaseline, rssAtEnd);
  return {
    kind: 'memory',
    backend: backendId(),
    backbone: rig.args.backbone,
    method: mixMethod.name,
    batch_size: batchSize,
    steps,
    rss_mb_at_step_10: rssAtBaseline / MB,
    rss_mb_at_end: rssAtEnd / MB,
    growth_percent: growth,
    tensors_at_step_10: tensorsAtBaseline,
    tensors_at_end: tf.memory().numTensors,
    target_percent: MEMORY_GROWTH_TARGET_PERCENT,
    within_target: growth <= MEMORY_GROWTH_TARGET_PERCENT,
  };
}
