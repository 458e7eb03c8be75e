// What the model tests share: seeded inputs, the GridMix-shaped loss (global CE + local CE over cells),
// and one plain SGD step, all inside tidy so the live-tensor count can be compared between steps.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/engine/rng';
import type { Model } from '../../src/models/model';

export interface Batch {
  x: tf.Tensor4D;
  labels: tf.Tensor1D;
}

/** Standard-normal images and uniform labels drawn from a seeded Rng (caller disposes). */
export function seededBatch(rng: Rng, batch: number, size: number, channels: number, numClasses: number): Batch {
  const pixels = new Float32Array(batch * size * size * channels).map(() => rng.normal());
  const labels = Int32Array.from({ length: batch }, () => rng.int(numClasses));
  return { x: tf.tensor4d(pixels, [batch, size, size, channels]), labels: tf.tensor1d(labels, 'int32') };
}

/** Cross-entropy of the logits plus, when a grid is given, the mean over cells of the cells' cross-entropy. */
export function lossOf(model: Model, batch: Batch, training: boolean, grid?: number): tf.Scalar {
  const out = model.forward(batch.x, { training, grid });
  const onehot = tf.oneHot(batch.labels, model.numClasses);
  let loss = tf.losses.softmaxCrossEntropy(onehot, out.logits) as tf.Scalar;
  if (grid !== undefined && out.cellLogits) {
    const [b, n, , k] = out.cellLogits.shape;
    const cellTargets = tf.reshape(tf.tile(tf.reshape(onehot, [b, 1, k]), [1, n * n, 1]), [b * n * n, k]);
    const cells = tf.reshape(out.cellLogits, [b * n * n, k]);
    loss = tf.add(loss, tf.losses.softmaxCrossEntropy(cellTargets, cells));
  }
  return loss;
}

/**
 * In training mode a bias added right before batch norm is subtracted again with the batch mean: its
 * gradient is zero by construction (torchvision's VGG keeps those biases). Such a bias is named like
 * "features.3.bias" with a batch norm at "features.4".
 */
export function feedsBatchNorm(paramName: string, bufferNames: Set<string>): boolean {
  const match = /^(.*?)(\d+)\.bias$/.exec(paramName);
  return match !== null && bufferNames.has(`${match[1]}${Number(match[2]) + 1}.running_mean`);
}

/** One SGD step (no momentum); returns the loss before the step. */
export function sgdStep(model: Model, batch: Batch, learningRate: number, grid?: number): number {
  return tf.tidy(() => {
    const variables = model.parameters().map((p) => p.variable);
    const { value, grads } = tf.variableGrads(() => lossOf(model, batch, true, grid), variables);
    for (const v of variables) v.assign(tf.sub(v, tf.mul(grads[v.name], learningRate)));
    return value.dataSync()[0];
  });
}
