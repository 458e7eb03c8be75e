// One optimisation step — the hot path: mix on the backend, forward, loss, gradients, SGD update.
// Everything happens inside one tidy; only the loss value and the count of correct dominant-label
// predictions come back to JavaScript (one read per step).
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../engine/rng';
import type { MixMethod } from '../mix/mix-method';
import type { Model } from '../models/model';
import { gridmixLoss, type LocalReduction } from './losses';
import type { Sgd } from './optimizer';

export interface StepInputs {
  x: tf.Tensor4D;
  labels: Int32Array;
}

export interface StepResult {
  loss: number;
  /** Predictions equal to each mixed sample's dominant label. */
  correct: number;
  count: number;
}

export interface StepContext {
  model: Model;
  method: MixMethod;
  optimizer: Sgd;
  numClasses: number;
  localReduction: LocalReduction;
  /** The mixing stream (pairings, lambda, masks). */
  rng: Rng;
  /**
   * The dropout stream (torchvision's ImageNet VGG heads draw their masks from it). The run owns and
   * checkpoints it, so a resumed run draws the masks an uninterrupted one would have.
   */
  dropoutRng: Rng;
}

export function trainStep(ctx: StepContext, batch: StepInputs, lr: number): StepResult {
  const trainable = ctx.model.parameters().map((p) => p.variable);
  const [lossTensor, correctTensor] = tf.tidy(() => {
    const mixed = ctx.method.mix(batch.x, batch.labels, ctx.numClasses, ctx.rng);
    let predictions: tf.Tensor1D | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const out = ctx.model.forward(mixed.x, { training: true, grid: ctx.method.needsLocalHead ? mixed.grid : undefined, rng: ctx.dropoutRng });
      predictions = tf.keep(tf.argMax(out.logits, 1) as tf.Tensor1D);
      const loss = gridmixLoss({
        logits: out.logits,
        yGlobal: mixed.yGlobal,
        cellLogits: out.cellLogits,
        yPatch: mixed.yPatch,
        gamma: ctx.method.localLossWeight,
        reduction: ctx.localReduction,
      });
      return loss.total;
    }, trainable);
    ctx.optimizer.step(grads, lr);
    const correct = tf.sum(tf.cast(tf.equal(predictions!, tf.tensor1d(mixed.dominantLabel, 'int32')), 'int32'));
    predictions!.dispose();
    return [value, correct];
  });
  const loss = lossTensor.dataSync()[0];
  const correct = correctTensor.dataSync()[0];
  lossTensor.dispose();
  correctTensor.dispose();
  return { loss, correct, count: batch.labels.length };
}
