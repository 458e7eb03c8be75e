// Average pooling with PyTorch's numeric padding beside TensorFlow's 'same'/'valid', and PyTorch's
// AdaptiveAvgPool2d bins. Non-overlapping windows (global and adaptive pooling, 2x2 stride 2) go
// through windowAverage, whose gradient is a broadcast instead of the slow wasm AvgPoolGrad;
// overlapping windows keep tf's gradients of a 'valid' pooling (AvgPoolGrad, PadV2 -> Slice,
// BatchMatMul), checked against finite differences in test/backends. tf's own 'same' AvgPoolGrad is
// wrong on cpu and wasm where windows overlap the border (it divides by the whole window, the forward
// by the in-image cells), so 'same' is a zero-padded 'valid' pooling times a constant count map.
// Max pooling is in max-pool.ts.
import * as tf from '@tensorflow/tfjs';
import { axisWindow, explicitPad, type AxisWindow, type Padding } from './padding';
import { windowAverage } from './window-average';

function padSpatial(x: tf.Tensor4D, pad: number, value: number): tf.Tensor4D {
  return pad > 0 ? tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]], value) : x;
}

/**
 * Average pooling. A numeric pad is zero padding counted in the average (PyTorch's AvgPool2d default,
 * count_include_pad=True); 'same' averages over the in-image part of each window (TensorFlow).
 */
export function avgPool(x: tf.Tensor4D, size: number, strides: number, pad: Padding): tf.Tensor4D {
  const [, h, w] = x.shape;
  const unpadded = pad === 'valid' || pad === 0 || (pad === 'same' && h % size === 0 && w % size === 0);
  if (size === strides && unpadded) return windowAverage(x, size, size);
  if (typeof pad === 'number') return tf.avgPool(padSpatial(x, pad, 0), size, strides, 'valid');
  if (pad === 'valid') return tf.avgPool(x, size, strides, 'valid');
  const rows = axisWindow(h, size, strides, 'same');
  const cols = axisWindow(w, size, strides, 'same');
  return tf.tidy(() => tf.mul(tf.avgPool(tf.pad(x, explicitPad(rows, cols)), size, strides, 'valid'), inImageScale(rows, cols, h, w, size, strides)));
}

/** [1, outH, outW, 1]: size^2 / (the window's in-image cells), which turns a zero-padded mean into TensorFlow's 'same' mean. */
function inImageScale(rows: AxisWindow, cols: AxisWindow, h: number, w: number, size: number, strides: number): tf.Tensor4D {
  const inside = (axis: AxisWindow, length: number) =>
    Array.from({ length: axis.out }, (_, o) => {
      const start = o * strides - axis.before;
      return Math.min(length, start + size) - Math.max(0, start);
    });
  const r = inside(rows, h);
  const c = inside(cols, w);
  const values = new Float32Array(rows.out * cols.out);
  for (let i = 0; i < rows.out; i++) for (let j = 0; j < cols.out; j++) values[i * cols.out + j] = (size * size) / (r[i] * c[j]);
  return tf.tensor4d(values, [1, rows.out, cols.out, 1]);
}

/** PyTorch AdaptiveAvgPool2d bin i of n over `size`: rows floor(i*size/n) .. ceil((i+1)*size/n) - 1. */
export function adaptiveBins(size: number, n: number): Array<[number, number]> {
  return Array.from({ length: n }, (_, i) => [Math.floor((i * size) / n), Math.ceil(((i + 1) * size) / n)]);
}

/** [outH*outW, H*W]: row (i, j) averages the pixels of row bin i x column bin j. */
function adaptivePoolingMatrix(h: number, w: number, outH: number, outW: number): tf.Tensor2D {
  const values = new Float32Array(outH * outW * h * w);
  const rowBins = adaptiveBins(h, outH);
  const colBins = adaptiveBins(w, outW);
  rowBins.forEach(([r0, r1], i) => {
    colBins.forEach(([c0, c1], j) => {
      const weight = 1 / ((r1 - r0) * (c1 - c0));
      const base = (i * outW + j) * h * w;
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) values[base + r * w + c] = weight;
    });
  });
  return tf.tensor2d(values, [outH * outW, h * w]);
}

/**
 * PyTorch's AdaptiveAvgPool2d to outHeight x outWidth. Divisible sizes are one avgPool; otherwise
 * the bins overlap or differ in size, and the pooling is a product with a constant
 * [outH*outW, H*W] averaging matrix (small: the last feature map of a backbone).
 */
export function adaptiveAvgPool(x: tf.Tensor4D, outHeight: number, outWidth: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  if (h % outHeight === 0 && w % outWidth === 0) return windowAverage(x, h / outHeight, w / outWidth);
  return tf.tidy(() => {
    const pooling = tf.reshape(adaptivePoolingMatrix(h, w, outHeight, outWidth), [1, outHeight * outWidth, h * w]);
    const pixels = tf.reshape(x, [b, h * w, c]);
    return tf.reshape(tf.matMul(tf.tile(pooling, [b, 1, 1]) as tf.Tensor3D, pixels), [b, outHeight, outWidth, c]);
  });
}

/** Mean over H and W: [B, H, W, C] -> [B, C], as one window (tf.mean over axes 1, 2 transposes first). */
export function globalAvgPool(x: tf.Tensor4D): tf.Tensor2D {
  const [b, h, w, c] = x.shape;
  return tf.reshape(windowAverage(x, h, w), [b, c]);
}
