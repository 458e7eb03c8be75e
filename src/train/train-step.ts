// One optimisation step — the hot path: mix on the backend, forward, loss, gradients, SGD update.
// Everything happens inside one tidy; only the loss value and the count of correct dominant-label
// predictions come back to JavaScript, in one awaited read per step: on a GPU backend the kernels are
// queued when trainStep returns, so the caller can prepare the next batch before awaiting the result.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../engine/rng';
import type { MixedBatch, MixMethod } from '../mix/mix-method';
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

export interface StepGradients {
  /** L_total of the mixed batch. */
  loss: tf.Scalar;
  /** d L_total / d parameter, by variable name. */
  grads: tf.NamedTensorMap;
  /** argmax of the global logits per sample. */
  predictions: tf.Tensor1D;
}

/**
 * Forward (training mode: batch statistics, running averages updated), loss and gradients of one mixed
 * batch: what trainStep does between mixing and the update, on its own so that it can be checked
 * against a reference (test/train/torch-step-parity.test.ts). The caller owns every returned tensor.
 */
export function stepGradients(ctx: StepContext, mixed: MixedBatch): StepGradients {
  const trainable = ctx.model.parameters().map((p) => p.variable);
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
  return { loss: value, grads, predictions: predictions! };
}

export async function trainStep(ctx: StepContext, batch: StepInputs, lr: number): Promise<StepResult> {
  const readout = tf.tidy(() => {
    const mixed = ctx.method.mix(batch.x, batch.labels, ctx.numClasses, ctx.rng);
    const { loss, grads, predictions } = stepGradients(ctx, mixed);
    ctx.optimizer.step(grads, lr);
    const correct = tf.sum(tf.cast(tf.equal(predictions, tf.tensor1d(mixed.dominantLabel, 'int32')), 'int32'));
    predictions.dispose(); // kept past the gradient tape's scope, so this tidy would not free it
    // One read for both: a count of at most the batch size is exact in float32.
    return tf.stack([tf.reshape(loss, []), tf.cast(correct, 'float32')]);
  });
  try {
    const [loss, correct] = await readout.data();
    return { loss, correct, count: batch.labels.length };
  } finally {
    readout.dispose();
  }
}
