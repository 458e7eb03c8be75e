// Training-step throughput (images/s, it/s) of one backbone and method: warm-up steps, then the median
// of timed steps, plus a one-step probe that estimates what a measurement would cost before running it.
import { backendId } from '../engine/backend';
import type { MixMethodConfig } from '../mix/registry';
import type { TrainStepRecord } from './records';
import { timeRuns } from './statistics';
import type { StepRig } from './step-rig';

export interface StepMeasureArgs {
  section: string;
  /** Shown in the output; defaults to the method's name. */
  label?: string;
  method: MixMethodConfig;
  batchSize: number;
  warmup: number;
  iterations: number;
}

export async function measureTrainStep(rig: StepRig, args: StepMeasureArgs): Promise<TrainStepRecord> {
  const { method, step } = rig.stepper(args.method, args.batchSize);
  const times = await timeRuns(step, args.warmup, args.iterations);
  return {
    kind: 'train-step',
    backend: backendId(),
    section: args.section,
    backbone: rig.args.backbone,
    method: args.label ?? method.name,
    local_head: method.needsLocalHead,
    input_size: rig.args.inputSize,
    num_classes: rig.args.numClasses,
    batch_size: args.batchSize,
    warmup: args.warmup,
    iterations: times.runs,
    ms_per_step: times.wallSeconds * 1000,
    cpu_ms_per_step: times.cpuSeconds * 1000,
    images_per_second: args.batchSize / times.wallSeconds,
    it_per_second: 1 / times.wallSeconds,
    parameters: rig.parameterCount(method),
  };
}

/** Wall seconds of one untimed-warm-up step at a small batch: the input of the budget estimate. */
export async function probeStepSeconds(rig: StepRig, method: MixMethodConfig, batchSize: number): Promise<number> {
  const { step } = rig.stepper(method, batchSize);
  return (await timeRuns(step, 0, 1)).wallSeconds;
}
