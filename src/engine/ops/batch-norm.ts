// Batch normalization over [B, H, W] with a closed-form backward. tf.batchNorm's own gradient builds
// the answer from broadcasts and spends about half a wasm training step in Tile; the closed form is a
// handful of passes over the activation (per-channel means: ./channel-mean.ts).
import * as tf from '@tensorflow/tfjs';
import { nativeKernelsActive } from '../native';
import { nativeBatchNormInfer, nativeBatchNormTrain } from '../native/ops';
import { channelMean } from './channel-mean';
import { tensorflowGradientsActive } from '../tensorflow-kernels';

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
  if (tensorflowGradientsActive()) {
    // TensorFlow broadcasts natively; its depthwise convolution is 4x slower than Mul + Add here.
    const y = tf.add(tf.mul(x, a), b) as tf.Tensor4D;
    return relu ? tf.relu(y) : y;
  }
  return (relu ? channelAffineRelu : channelAffineLinear)(x, a, b);
}

/** dy masked where the ReLU that gave y was off (y > 0 exactly where its input was); dy without one. */
function reluMasked(dy: tf.Tensor4D, y: tf.Tensor4D | undefined): tf.Tensor4D {
  if (!y) return dy;
  // tfjs-node's Step is a composite of IsNan, Select and Greater: a comparison and a cast are one pass each.
  const mask = tensorflowGradientsActive() ? tf.cast(tf.greater(y, 0), 'float32') : tf.step(y);
  return tf.mul(dy, mask) as tf.Tensor4D;
}

/** The op behind channelAffine, built once per activation rather than on every call. */
function channelAffineOp(relu: boolean) {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, aIn, bIn, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const filter = tf.reshape(aIn, [1, 1, aIn.shape[0], 1]) as tf.Tensor4D;
    const value = tf.fused.depthwiseConv2d({ x: xIn, filter, strides: 1, pad: 'valid', bias: bIn, activation: relu ? 'relu' : 'linear' });
    save(relu ? [xIn, aIn, value] : [xIn, aIn]);
    const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xs, as, ys] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor4D?];
      const dyBeforeRelu = reluMasked(dy, ys);
      const n = xs.size / xs.shape[3];
      return [
        tf.mul(dyBeforeRelu, as),
        tf.mul(channelMean(tf.mul(dyBeforeRelu, xs) as tf.Tensor4D), n),
        tf.mul(channelMean(dyBeforeRelu), n),
      ];
    };
    return { value, gradFunc };
  }) as (x: tf.Tensor4D, a: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor4D;
}

const channelAffineLinear = channelAffineOp(false);
const channelAffineRelu = channelAffineOp(true);

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
 * The wasm path: two-pass statistics, then centred = x - mean and y = centred * gamma * rstd + beta
 * with the ReLU fused in, each one 1x1 depthwise pass; the closed-form backward. Measured on a
 * resnet20 GridMix step at batch 128 (one wasm thread, tf.profile): the FusedBatchNorm passes (316
 * ms, plus a separate ReLU pass) became 1x1 depthwise passes of ~27 ms, and the step went from
 * 1920-1942 to 1615-1640 ms (fastest of 8 steps, alternating runs against the code before).
 */
function batchNormTrainWasm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, relu: boolean): BatchNormResult {
  // customGrad returns one tensor; the statistics leave the op through this slot, kept past its
  // internal tidy and handed to the caller's scope below.
  let stats: [tf.Tensor1D, tf.Tensor1D] | undefined;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, gammaIn, betaIn, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const mean = channelMean(xIn);
    // Centred before scaling: x * a + (beta - mean * a) cancels when |mean| >> std, and the gradients
    // (sums of dy * xhat) inherit that error (the torchvision parity tests caught it).
    const centred = channelAffine(xIn, tf.onesLike(mean), tf.neg(mean) as tf.Tensor1D);
    const variance = channelMean(tf.mul(centred, centred) as tf.Tensor4D);
    stats = [tf.keep(mean), tf.keep(variance)];
    const rstd = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor1D;
    const scale = tf.mul(gammaIn, rstd) as tf.Tensor1D;
    const value = channelAffine(centred, scale, betaIn, relu);
    // The output is saved only for the ReLU's mask.
    save(relu ? [centred, rstd, scale, value] : [centred, rstd, scale]);
    const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]): tf.Tensor[] => {
      const [centreds, rstds, scales, ys] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor4D?];
      return batchNormBackward(reluMasked(dy, ys), centreds, rstds, scales);
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
 * With centred = x - mean, xhat = centred * rstd, N = B*H*W, scale = gamma * rstd, per channel:
 *   dbeta = sum(dy), dgamma = sum(dy * xhat) = rstd * sum(dy * centred),
 *   dx = scale * (dy - dbeta / N - xhat * dgamma / N)
 * (the dependence of mean and variance on x included). Passes over the activation: dy * centred,
 * scale * dy, the affine of centred, one add (the two channel means read through an average pool);
 * the per-channel ones are 1x1 depthwise convolutions, 3x faster on wasm than broadcast products.
 */
function batchNormBackward(
  dy: tf.Tensor4D, centred: tf.Tensor4D, rstd: tf.Tensor1D, scale: tf.Tensor1D,
): [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D] {
  const [b, h, w] = centred.shape;
  const n = b * h * w;
  const dyMean = channelMean(dy);
  const dyXhatMean = tf.mul(channelMean(tf.mul(dy, centred) as tf.Tensor4D), rstd) as tf.Tensor1D;
  const centredCoefficient = tf.neg(tf.mul(tf.mul(scale, rstd), dyXhatMean)) as tf.Tensor1D;
  const constant = tf.neg(tf.mul(scale, dyMean)) as tf.Tensor1D;
  const dx = tf.add(channelAffine(dy, scale, tf.zerosLike(scale)), channelAffine(centred, centredCoefficient, constant)) as tf.Tensor4D;
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
