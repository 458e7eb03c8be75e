// The layer ops every model is built from. Models call these, never tf.conv2d & co. directly, so
// that the gradients the wasm backend lacks (or computes slowly) are supplied here, once, for all
// backbones. SKELETON: plain tf ops for now; the engine work replaces the bodies with custom
// gradients behind the same signatures.
import * as tf from '@tensorflow/tfjs';

/** Padding: 'same'/'valid' as in TensorFlow, or a number = symmetric zero padding as in PyTorch. */
export type Padding = 'same' | 'valid' | number;

export interface Conv2DArgs {
  strides?: number;
  pad: Padding;
  /** Grouped convolution (ResNeXt): the filter is [kh, kw, inChannels / groups, outChannels]. */
  groups?: number;
}

/** NHWC convolution. x: [B, H, W, Cin], filter: [kh, kw, Cin / groups, Cout]. */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, args: Conv2DArgs): tf.Tensor4D {
  const strides = args.strides ?? 1;
  const pad = typeof args.pad === 'number'
    ? ([[0, 0], [args.pad, args.pad], [args.pad, args.pad], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]])
    : args.pad;
  const groups = args.groups ?? 1;
  if (groups === 1) return tf.conv2d(x, filter, strides, pad);
  const xs = tf.split(x, groups, 3) as tf.Tensor4D[];
  const ws = tf.split(filter, groups, 3) as tf.Tensor4D[];
  return tf.concat(xs.map((xi, i) => tf.conv2d(xi, ws[i], strides, pad)), 3);
}

export interface BatchNormResult {
  y: tf.Tensor4D;
  /** Batch statistics (training) used to update running averages; population variance. */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/** Training-mode batch norm over [B, H, W] with batch statistics. */
export function batchNormTrain(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormResult {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  const y = tf.batchNorm(x, mean, variance, beta, gamma, epsilon) as tf.Tensor4D;
  return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

/** Inference-mode batch norm with running statistics. */
export function batchNormInfer(
  x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, mean: tf.Tensor1D, variance: tf.Tensor1D, epsilon: number,
): tf.Tensor4D {
  return tf.batchNorm(x, mean, variance, beta, gamma, epsilon) as tf.Tensor4D;
}

export function relu<T extends tf.Tensor>(x: T): T {
  return tf.relu(x);
}

export function maxPool(x: tf.Tensor4D, size: number, strides: number, pad: Padding): tf.Tensor4D {
  if (typeof pad === 'number') {
    const padded = pad > 0 ? tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]], -Infinity) : x;
    return tf.maxPool(padded, size, strides, 'valid');
  }
  return tf.maxPool(x, size, strides, pad);
}

export function avgPool(x: tf.Tensor4D, size: number, strides: number, pad: Padding): tf.Tensor4D {
  if (typeof pad === 'number') throw new Error('avgPool: numeric padding not supported yet');
  return tf.avgPool(x, size, strides, pad);
}

/** PyTorch's AdaptiveAvgPool2d: output cell i covers rows floor(i*H/N) .. ceil((i+1)*H/N) - 1. */
export function adaptiveAvgPool(x: tf.Tensor4D, outHeight: number, outWidth: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (h % outHeight === 0 && w % outWidth === 0) {
    return tf.avgPool(x, [h / outHeight, w / outWidth], [h / outHeight, w / outWidth], 'valid');
  }
  throw new Error('adaptiveAvgPool: non-divisible sizes not supported yet');
}

/** Mean over H and W: [B, H, W, C] -> [B, C]. */
export function globalAvgPool(x: tf.Tensor4D): tf.Tensor2D {
  return tf.mean(x, [1, 2]) as tf.Tensor2D;
}

/** x: [B, in], weight: [in, out], bias: [out]. */
export function linear(x: tf.Tensor2D, weight: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D {
  const y: tf.Tensor2D = tf.matMul(x, weight);
  return bias ? tf.add<tf.Tensor2D>(y, bias) : y;
}
