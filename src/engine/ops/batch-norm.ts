// Batch normalization over [B, H, W] with a closed-form backward. tf.batchNorm's own gradient builds
// the answer from broadcasts and spends about half a wasm training step in Tile; the closed form is a
// handful of passes over the activation, and the per-channel sums run as matrix products with a row
// of ones (BatchMatMul reads [N, C] row-major in one pass, where tf.sum over axes 0..2 first
// transposes the whole tensor so the reduced axes are innermost).
import * as tf from '@tensorflow/tfjs';

export interface BatchNormResult {
  y: tf.Tensor4D;
  /** Batch statistics (training) used to update running averages; population variance. */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/** Per-channel sum of a [N, C] matrix, as [C]. */
function sumRows(m: tf.Tensor2D): tf.Tensor1D {
  const ones = tf.ones([1, m.shape[0]]) as tf.Tensor2D;
  return tf.reshape(tf.matMul(ones, m), [m.shape[1]]);
}

/** Per-channel affine a * x + b in one FusedBatchNorm pass (mean 0, variance 0, epsilon 1). */
function channelAffine(x: tf.Tensor, a: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor {
  const zeros = tf.zerosLike(a);
  return tf.batchNorm(x, zeros, zeros, b, a, 1);
}

/**
 * Training-mode batch norm over [B, H, W] with batch statistics. The returned mean and variance
 * (population variance, as used to normalize) are not differentiable: they are for running averages.
 */
export function batchNormTrain(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormResult {
  const [b, h, w, c] = x.shape;
  const n = b * h * w;
  // customGrad returns one tensor; the statistics leave the op through this slot, kept past its
  // internal tidy and handed to the caller's scope below.
  let stats: [tf.Tensor1D, tf.Tensor1D] | undefined;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, gammaIn, betaIn, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const x2d = tf.reshape(xIn, [n, c]) as tf.Tensor2D;
    const mean = tf.div(sumRows(x2d), n) as tf.Tensor1D;
    const variance = tf.div(sumRows(tf.squaredDifference(x2d, mean) as tf.Tensor2D), n) as tf.Tensor1D;
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
 * (the dependence of mean and variance on x included). Passes over the activation: xhat, sum(dy),
 * dy * xhat, its sum, dy * scale, the affine of xhat, one add.
 */
function batchNormBackward(
  dy: tf.Tensor4D, x: tf.Tensor4D, gamma: tf.Tensor1D, mean: tf.Tensor1D, variance: tf.Tensor1D, epsilon: number,
): [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D] {
  const [b, h, w, c] = x.shape;
  const n = b * h * w;
  const xhat = tf.batchNorm(x, mean, variance, undefined, undefined, epsilon);
  const dy2d = tf.reshape(dy, [n, c]) as tf.Tensor2D;
  const dbeta = sumRows(dy2d);
  const dgamma = sumRows(tf.mul(dy2d, tf.reshape(xhat, [n, c])) as tf.Tensor2D);
  const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, epsilon))) as tf.Tensor1D;
  const xhatCoefficient = tf.mul(scale, tf.div(dgamma, -n)) as tf.Tensor1D;
  const constant = tf.mul(scale, tf.div(dbeta, -n)) as tf.Tensor1D;
  const dx = tf.add(tf.mul(dy, scale), channelAffine(xhat, xhatCoefficient, constant)) as tf.Tensor4D;
  return [dx, dgamma, dbeta];
}

/** Inference-mode batch norm with running statistics. */
export function batchNormInfer(
  x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, mean: tf.Tensor1D, variance: tf.Tensor1D, epsilon: number,
): tf.Tensor4D {
  return tf.batchNorm(x, mean, variance, beta, gamma, epsilon);
}
