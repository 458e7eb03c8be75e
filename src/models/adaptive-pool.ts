// PyTorch's AdaptiveAvgPool2d for any input and output size. The local head pools the last feature
// map to N x N for every N a config asks for (a random N per batch included), and N rarely divides
// the map (a 7x7 Fashion-MNIST map, a 14x14 ImageNet VGG map, N = 3...). The engine's adaptiveAvgPool
// handles the divisible case only (so far); the other cases are a product with a fixed pooling matrix,
// which is exactly PyTorch's definition and differentiable through ops.linear.
import * as tf from '@tensorflow/tfjs';
import * as ops from '../engine/ops';

/** Output cell i averages input rows floor(i * n / out) .. ceil((i + 1) * n / out) - 1 (PyTorch). */
export function adaptiveBins(inputSize: number, outputSize: number): Array<[start: number, end: number]> {
  const bins: Array<[number, number]> = [];
  for (let i = 0; i < outputSize; i++) {
    bins.push([Math.floor((i * inputSize) / outputSize), Math.ceil(((i + 1) * inputSize) / outputSize)]);
  }
  return bins;
}

/** [h * w, outH * outW]: column (i, j) holds 1 / cellArea on the input pixels cell (i, j) averages. */
function poolingMatrix(h: number, w: number, outH: number, outW: number): Float32Array {
  const matrix = new Float32Array(h * w * outH * outW);
  const rows = adaptiveBins(h, outH);
  const cols = adaptiveBins(w, outW);
  rows.forEach(([r0, r1], i) =>
    cols.forEach(([c0, c1], j) => {
      const weight = 1 / ((r1 - r0) * (c1 - c0));
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) matrix[(r * w + c) * outH * outW + i * outW + j] = weight;
      }
    }),
  );
  return matrix;
}

export function adaptiveAvgPool(x: tf.Tensor4D, outH: number, outW: number): tf.Tensor4D {
  const [batch, h, w, channels] = x.shape;
  if (h === outH && w === outW) return x;
  if (h % outH === 0 && w % outW === 0) return ops.adaptiveAvgPool(x, outH, outW);
  return tf.tidy(() => {
    // [B, h, w, C] -> [B * C, h * w] rows, pooled by one matrix product, back to [B, outH, outW, C].
    const rows = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [batch * channels, h * w]) as tf.Tensor2D;
    const matrix = tf.tensor2d(poolingMatrix(h, w, outH, outW), [h * w, outH * outW]);
    const pooled = ops.linear(rows, matrix);
    return tf.transpose(tf.reshape(pooled, [batch, channels, outH, outW]), [0, 2, 3, 1]) as tf.Tensor4D;
  });
}
