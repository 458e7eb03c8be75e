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


/**
 * Per-channel a * x + b, with a ReLU after it when asked, in one pass: a 1x1 depthwise convolution
 * with a bias, which XNNPACK runs vectorized (wasm's FusedBatchNorm takes a square root and a
 * division per element). Its own gradient, since wasm has no depthwise-convolution gradients:
 * dx = dy' * a, da = sum(dy' * x), db = sum(dy'), with dy' = dy masked by the ReLU.
 */
function channelAffine(x: tf.Tensor4D, a: tf.Tensor1D, b: tf.Tensor1D, relu = false): tf.Tensor4D {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, aIn, bIn, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const filter = tf.reshape(aIn, [1, 1, aIn.shape[0], 1]) as tf.Tensor4D;
    const value = tf.fused.depthwiseConv2d({ x: xIn, filter, strides: 1, pad: 'valid', bias: bIn, activation: relu ? 'relu' : 'linear' });
    save(relu ? [xIn, aIn, value] : [xIn, aIn]);
    const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xs, as, ys] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor4D?];
      const dyBeforeRelu = ys ? (tf.mul(dy, tf.step(ys)) as tf.Tensor4D) : dy;
      const n = xs.size / xs.shape[3];
      return [
        tf.mul(dyBeforeRelu, as),
        tf.mul(channelMean(tf.mul(dyBeforeRelu, xs) as tf.Tensor4D), n),
        tf.mul(channelMean(dyBeforeRelu), n),
      ];
    };
    return { value, gradFunc };
  });
  return op(x, a, b);
}

/**
 * Training-mode batch norm over [B, H, W] with batch statistics, and a ReLU after it when
 * options.relu (one pass over the activation, in both paths). The returned mean and variance
 * (population variance, as used to normalize) are not differentiable: they are for running averages.
 */
export function batchNormTrain(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, options: { relu?: boolean } = {}): BatchNormResult {
  const relu = options.relu ?? false;
  if (nativeKernelsActive()) {
    const [y, mean, variance] = nativeBatchNormTrain(x, gamma, beta, epsilon, relu);
    return { y, mean, variance };
  }
  return batchNormTrainWasm(x, gamma, beta, epsilon, relu);
}

/**
 * The wasm path: two-pass statistics, then y = x * a + b per channel (a = gamma * rstd, b = beta -
 * mean * a, as PyTorch's CPU kernel computes it) with the ReLU fused in; the closed-form backward.
 * Measured on a resnet20 GridMix step at batch 128 (one wasm thread, tf.profile): the batch norms'
 * affine passes went from 316 ms (FusedBatchNorm, with a separate ReLU pass) to about 30 ms, and the
 * step from 1978-2003 to 1712-1728 ms (fastest of 8 steps, three alternating runs).
 */
function batchNormTrainWasm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, relu: boolean): BatchNormResult {
  // customGrad returns one tensor; the statistics leave the op through this slot, kept past its
  // internal tidy and handed to the caller's scope below.
  let stats: [tf.Tensor1D, tf.Tensor1D] | undefined;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, gammaIn, betaIn, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const mean = channelMean(xIn);
    const variance = channelMean(tf.squaredDifference(xIn, mean));
    stats = [tf.keep(mean), tf.keep(variance)];
    const rstd = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor1D;
    const scale = tf.mul(gammaIn, rstd) as tf.Tensor1D;
    const value = channelAffine(xIn, scale, tf.sub(betaIn, tf.mul(mean, scale)) as tf.Tensor1D, relu);
    // The output is saved only for the ReLU's mask (y > 0 exactly where the pre-activation is).
    save(relu ? [xIn, mean, rstd, scale, value] : [xIn, mean, rstd, scale]);
    const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xs, means, rstds, scales, ys] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor4D?];
      const dyBeforeRelu = ys ? (tf.mul(dy, tf.step(ys)) as tf.Tensor4D) : dy;
      return batchNormBackward(dyBeforeRelu, xs, means, rstds, scales);
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
 * With xhat = (x - mean) * rstd, N = B*H*W, scale = gamma * rstd, per channel:
 *   dbeta = sum(dy), dgamma = sum(dy * xhat),
 *   dx = scale * (dy - dbeta / N - xhat * dgamma / N)
 * (the dependence of mean and variance on x included). xhat is formed once (centred before the
 * product, so dgamma keeps its precision when |mean| >> std); dx is scale * dy plus one affine of x.
 * Passes over the activation: xhat, dy * xhat, scale * dy, the affine of x, one add (the two
 * channel means read through an average pool).
 */
function batchNormBackward(
  dy: tf.Tensor4D, x: tf.Tensor4D, mean: tf.Tensor1D, rstd: tf.Tensor1D, scale: tf.Tensor1D,
): [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D] {
  const [b, h, w] = x.shape;
  const n = b * h * w;
  const xhat = channelAffine(x, rstd, tf.neg(tf.mul(mean, rstd)) as tf.Tensor1D);
  const dyMean = channelMean(dy);
  const dyXhatMean = channelMean(tf.mul(dy, xhat));
  // dx = scale * dy + k * x + c with k = -scale * rstd * mean(dy * xhat), c = -scale * mean(dy) - k * mean.
  const k = tf.neg(tf.mul(tf.mul(scale, rstd), dyXhatMean)) as tf.Tensor1D;
  const c = tf.sub(tf.neg(tf.mul(scale, dyMean)), tf.mul(k, mean)) as tf.Tensor1D;
  const dx = tf.add(tf.mul(dy, scale), channelAffine(x, k, c)) as tf.Tensor4D;
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
  return tf.tidy(() => {
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, epsilon))) as tf.Tensor1D;
    return channelAffine(x, scale, tf.sub(beta, tf.mul(mean, scale)) as tf.Tensor1D, relu);
  });
}
