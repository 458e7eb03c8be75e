// Resident memory over a loop of training steps: a leak of tensors, of wasm heap or of native memory
// shows as sustained growth. Target: no growth above 5 %. Every 10 steps from step 10 the resident
// set is read after a full garbage collection (garbage JavaScript has not collected yet is not
// retained memory); growth compares the median reading of the loop's first half with that of its
// last quarter. Measured with single readings at step 10 and at the end instead, the same loop
// read anywhere from +1% to +16% from one run to the next, and over 1,000 steps the resident set
// rose to a level in the first ~50 steps and then moved +-10% around it without a trend.
import * as v8 from 'v8';
import * as vm from 'vm';
import * as tf from '@tensorflow/tfjs';
import { backendId } from '../engine/backend';
import type { MixMethodConfig } from '../mix/registry';
import type { MemoryRecord } from './records';
import { median } from './statistics';
import type { StepRig } from './step-rig';

export const MEMORY_GROWTH_TARGET_PERCENT = 5;
/** The first reading: the first steps grow the wasm heap legitimately. */
export const MEMORY_BASELINE_STEP = 10;
/** Steps between readings. */
export const MEMORY_READING_INTERVAL = 10;

const MB = 1024 * 1024;

/** Node's gc(), exposed for this process (the flag may be set at run time). */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

function residentAfterCollection(): number {
  collectGarbage();
  return process.memoryUsage().rss;
}

export function growthPercent(before: number, after: number): number {
  return (100 * (after - before)) / before;
}

/** Readings (step, rss) -> the medians of the first half of the loop and of its last quarter. */
export function baselineAndEnd(readings: ReadonlyArray<[number, number]>, steps: number): [number, number] {
  const early = readings.filter(([k]) => k <= steps / 2).map(([, rss]) => rss);
  const late = readings.filter(([k]) => k >= (3 * steps) / 4).map(([, rss]) => rss);
  const last = readings.at(-1)?.[1] ?? 0;
  return [median(early.length ? early : [readings[0]?.[1] ?? 0]), median(late.length ? late : [last])];
}

export async function measureMemoryGrowth(rig: StepRig, method: MixMethodConfig, batchSize: number, steps: number): Promise<MemoryRecord> {
  if (steps <= MEMORY_BASELINE_STEP) throw new Error(`the memory loop needs more than ${MEMORY_BASELINE_STEP} steps, got ${steps}`);
  const { method: mixMethod, step } = rig.stepper(method, batchSize);
  const readings: Array<[number, number]> = [];
  let tensorsAtBaseline = 0;
  for (let k = 1; k <= steps; k++) {
    await step();
    if (k === MEMORY_BASELINE_STEP) tensorsAtBaseline = tf.memory().numTensors;
    if ((k >= MEMORY_BASELINE_STEP && (k - MEMORY_BASELINE_STEP) % MEMORY_READING_INTERVAL === 0) || k === steps) {
      readings.push([k, residentAfterCollection()]);
    }
  }
  const [rssAtBaseline, rssAtEnd] = baselineAndEnd(readings, steps);
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
