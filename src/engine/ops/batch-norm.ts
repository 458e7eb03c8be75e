// Batch normalization over [B, H, W] with a closed-form backward. tf.batchNorm's own gradient builds
// the answer from broadcasts and spends about half a wasm training step in Tile; the closed form is a
// handful of passes over the activation (per-channel means: ./channel-mean.ts).
import * as tf from '@tensorflow/tfjs';
import { nativeKernelsActive } from '../native';
import { nativeBatchNormInfer, nativeBatchNormTrain } from '../native/ops';
import { channelMean } from './channel-mean';

export interface BatchNormResult {
  y: tf.Tensor4D;
  /** Batch statistics (training) used to update running averages; population variance. */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}


/** Per-channel affine a * x + b in one FusedBatchNorm pass (mean 0, variance 0, epsilon 1). */
function channelAffine(x: tf.Tensor, a: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor {
  const zeros = tf.zerosLike(a);
  return tf.batchNorm(x, zeros, zeros, b, a, 1);
}

/**
 * Training-mode batch norm over [B, H, W] with batch statistics, and a ReLU after it when
 * options.relu (one pass over the activation on the native kernels). The returned mean and variance
 * (population variance, as used to normalize) are not differentiable: they are for running averages.
 */
export function batchNormTrain(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, options: { relu?: boolean } = {}): BatchNormResult {
  const relu = options.relu ?? false;
  if (nativeKernelsActive()) {
    const [y, mean, variance] = nativeBatchNormTrain(x, gamma, beta, epsilon, relu);
    return { y, mean, variance };
  }
  const normalized = batchNormTrainWasm(x, gamma, beta, epsilon);
  return relu ? { ...normalized, y: tf.relu(normalized.y) } : normalized;
}

/** The wasm-only path: statistics and tf.batchNorm forward, the closed form backward. */
function batchNormTrainWasm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormResult {
  // customGrad returns one tensor; the statistics leave the op through this slot, kept past its
  // internal tidy and handed to the caller's scope below.
  let stats: [tf.Tensor1D, tf.Tensor1D] | undefined;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, gammaIn, betaIn, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const mean = channelMean(xIn);
    const variance = channelMean(tf.squaredDifference(xIn, mean));
    stats = [tf.keep(mean), tf.keep(variance)];
    save([xIn, gammaIn, mean, variance]);
    const value = tf.batchNorm(xIn, mean, variance, betaIn, gammaIn, epsilon);
    const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xs, gammas, means, variances] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
      return batchNormBackward(dy, xs, gammas, means, variances, epsilon);
    };
    return { value, gradFunc };
  });
  const y = op(x, gamma, beta);
  if (!stats) throw new Error('batchNormTrain: statistics were not computed');
  const [mean, variance] = stats.map((kept) => {
    const owned = tf.clone(kept);
    kept.dispose();
    return owned;
  });
  return { y, mean, variance };
}

/**
 * With xhat = (x - mean) * rstd, N = B*H*W, per channel:
 *   dbeta = sum(dy), dgamma = sum(dy * xhat),
 *   dx = gamma * rstd * (dy - dbeta / N - xhat * dgamma / N)
 * (the dependence of mean and variance on x included). Passes over the activation: xhat, mean(dy),
 * dy * xhat, its mean, dy * scale, the affine of xhat, one add.
 */
function batchNormBackward(
  dy: tf.Tensor4D, x: tf.Tensor4D, gamma: tf.Tensor1D, mean: tf.Tensor1D, variance: tf.Tensor1D, epsilon: number,
): [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D] {
  const [b, h, w] = x.shape;
  const n = b * h * w;
  const xhat = tf.batchNorm(x, mean, variance, undefined, undefined, epsilon);
  const dyMean = channelMean(dy);
  const dyXhatMean = channelMean(tf.mul(dy, xhat));
  const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, epsilon))) as tf.Tensor1D;
  const xhatCoefficient = tf.neg(tf.mul(scale, dyXhatMean)) as tf.Tensor1D;
  const constant = tf.neg(tf.mul(scale, dyMean)) as tf.Tensor1D;
  const dx = tf.add(tf.mul(dy, scale), channelAffine(xhat, xhatCoefficient, constant)) as tf.Tensor4D;
  return [dx, tf.mul(dyXhatMean, n), tf.mul(dyMean, n)];
}

/**
 * Inference-mode batch norm with running statistics, and a ReLU after it when options.relu. On the
 * native kernels one pass on all cores: wasm's FusedBatchNorm took 57% of a resnet20 evaluation
 * batch once the convolutions were native.
 */
export function batchNormInfer(
  x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, mean: tf.Tensor1D, variance: tf.Tensor1D, epsilon: number,
  options: { relu?: boolean } = {},
): tf.Tensor4D {
  const relu = options.relu ?? false;
  if (nativeKernelsActive()) return nativeBatchNormInfer(x, gamma, beta, mean, variance, epsilon, relu);
  const y = tf.batchNorm(x, mean, variance, beta, gamma, epsilon);
  return relu ? tf.relu(y) : y;
}
