// The engine's ops in their native form: each is one registered kernel (./kernels.ts), whose
// gradient is registered with it, so tfjs's tape calls the native backward kernels directly (and
// skips the input gradient nobody asked for, e.g. the first convolution's).
import * as tf from '@tensorflow/tfjs';
import type { AxisWindow } from '../ops/padding';

/** Convolution, plus a per-output-channel bias in the same pass when there is one. */
export function nativeConv2d(
  x: tf.Tensor4D, filter: tf.Tensor4D, rows: AxisWindow, cols: AxisWindow, stride: number, groups: number, bias?: tf.Tensor1D,
): tf.Tensor4D {
  const [b, h, w, cin] = x.shape;
  const [kh, kw, , cout] = filter.shape;
  const geometry = [
    b, h, w, cin, rows.out, cols.out, cout, kh, kw, groups, stride, stride, rows.before, cols.before, rows.after, cols.after, 1, 1, bias ? 1 : 0,
  ];
  return tf.engine().runKernel('GridmixConv2D', bias ? { x, filter, bias } : { x, filter }, { geometry }) as tf.Tensor4D;
}

/** Batch norm with batch statistics, and a ReLU after it in the same pass when `relu`. */
export function nativeBatchNormTrain(
  x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, relu: boolean,
): [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D] {
  const [y, mean, variance, workspace] = tf.engine().runKernel('GridmixBatchNormTrain', { x, gamma, beta }, { epsilon, relu }) as tf.Tensor[];
  workspace.dispose(); // the tape keeps its own reference for the gradient
  return [y as tf.Tensor4D, mean as tf.Tensor1D, variance as tf.Tensor1D];
}

/** Mean of each whole kh x kw window (stride = window, no padding). */
export function nativeWindowAverage(x: tf.Tensor4D, kh: number, kw: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const geometry = [b, h, w, c, Math.floor(h / kh), Math.floor(w / kw), kh, kw];
  return tf.engine().runKernel('GridmixAvgPool', { x }, { geometry }) as tf.Tensor4D;
}

/** x weight (+ bias): x [B, in], weight [in, out]. */
export function nativeLinear(x: tf.Tensor2D, weight: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D {
  const inputs: tf.NamedTensorMap = { a: x, b: weight };
  if (bias) inputs.bias = bias;
  return tf.engine().runKernel('GridmixMatMul', inputs, { transposeA: false, transposeB: false }) as tf.Tensor2D;
}

/** relu(a + b) in one pass, as a residual block ends. */
export function nativeAddRelu<T extends tf.Tensor>(a: T, b: T): T {
  return tf.engine().runKernel('GridmixAddRelu', { a, b }) as T;
}

export function nativeRelu<T extends tf.Tensor>(x: T): T {
  return tf.engine().runKernel('GridmixRelu', { x }) as T;
}

/** Max pooling; the workspace output stays with the tape for the gradient. */
export function nativeMaxPool(x: tf.Tensor4D, rows: AxisWindow, cols: AxisWindow, size: number, stride: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const geometry = [b, h, w, c, rows.out, cols.out, size, size, stride, stride, rows.before, cols.before, rows.after, cols.after];
  const [y] = tf.engine().runKernel('GridmixMaxPool', { x }, { geometry }) as tf.Tensor[];
  return y as tf.Tensor4D;
}

/** Batch norm with running statistics (evaluation), and a ReLU after it in the same pass when `relu`. */
export function nativeBatchNormInfer(
  x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, mean: tf.Tensor1D, variance: tf.Tensor1D, epsilon: number, relu: boolean,
): tf.Tensor4D {
  return tf.engine().runKernel('GridmixBatchNormInfer', { x, gamma, beta, mean, variance }, { epsilon, relu }) as tf.Tensor4D;
}
