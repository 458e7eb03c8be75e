// One backbone set up for timing training steps: the model (with its local head, which a method that
// does not need it never computes), an SGD optimizer with the config defaults, and a random batch per
// batch size. Each step is src/train/train-step.ts's trainStep, what a real run does: mixing, forward,
// loss, gradients, update, one read-back of the loss.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../engine/rng';
import { createMixMethod, type MixMethodConfig } from '../mix/registry';
import type { MixMethod } from '../mix/mix-method';
import { createModel } from '../models/registry';
import type { Model } from '../models/model';
import { countParameters } from '../models/summary';
import { Sgd } from '../train/optimizer';
import { trainStep, type StepInputs } from '../train/train-step';

export interface StepRigArgs {
  backbone: string;
  inputSize: number;
  numClasses: number;
  inChannels?: number;
  seed?: number;
}

/** The optimizer settings of an experiment config's defaults (src/config/schema.ts). */
export const BENCH_OPTIMIZER = { lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 5e-4, decayNormAndBias: false };

export class StepRig {
  private readonly model: Model;
  private readonly optimizer: Sgd;
  private readonly batches = new Map<number, StepInputs>();
  private readonly rng: Rng;
  readonly inChannels: number;

  constructor(readonly args: StepRigArgs) {
    this.inChannels = args.inChannels ?? 3;
    this.rng = new Rng(args.seed ?? 0);
    this.model = createModel(args.backbone, {
      numClasses: args.numClasses,
      inputSize: args.inputSize,
      inChannels: this.inChannels,
      localHead: true,
      rng: this.rng.fork(),
    });
    this.optimizer = new Sgd(this.model.parameters(), BENCH_OPTIMIZER);
  }

  /** Trainable parameters of the backbone as a run with this method would build it. */
  parameterCount(method: MixMethod): number {
    const { backbone, inputSize, numClasses } = this.args;
    return countParameters(backbone, { numClasses, inputSize, inChannels: this.inChannels, localHead: method.needsLocalHead });
  }

  /** A step function for this method and batch size (the batch is drawn once and reused). */
  stepper(methodConfig: MixMethodConfig, batchSize: number): { method: MixMethod; step: () => Promise<void> } {
    const method = createMixMethod(methodConfig);
    const batch = this.batch(batchSize);
    const ctx = {
      model: this.model,
      method,
      optimizer: this.optimizer,
      numClasses: this.args.numClasses,
      localReduction: 'sum-over-cells' as const,
      rng: this.rng,
      dropoutRng: this.rng,
    };
    return { method, step: async () => void (await trainStep(ctx, batch, BENCH_OPTIMIZER.lr)) };
  }

  private batch(batchSize: number): StepInputs {
    let batch = this.batches.get(batchSize);
    if (!batch) {
      const { inputSize, numClasses } = this.args;
      const seed = this.rng.int(2 ** 30);
      batch = {
        x: tf.randomNormal([batchSize, inputSize, inputSize, this.inChannels], 0, 1, 'float32', seed) as tf.Tensor4D,
        labels: Int32Array.from({ length: batchSize }, () => this.rng.int(numClasses)),
      };
      this.batches.set(batchSize, batch);
    }
    return batch;
  }

  dispose(): void {
    for (const batch of this.batches.values()) batch.x.dispose();
    this.batches.clear();
    this.optimizer.dispose();
    this.model.dispose();
  }
}
