// Gradients of an unpadded 1x1 convolution (ResNet shortcuts, bottleneck blocks) as matrix products:
// with no window there is nothing to convolve. Measured on wasm, CPU time, batch 128:
//   filter gradient, 16x16 64->256: 70 ms (transpose + BatchMatMul) vs 297 ms as the general
//   batch-as-channels convolution; 16x16 256->64: 93 vs 132 ms; 8x8 128->512: 87 vs 267 ms.
//   (BatchMatMul with transposeA=true instead of an explicit Transpose: 600-1270 ms.)
//   input gradient, stride 2 to 32x32x16: 7.6 ms (1x1 convolution, then spread) vs 43 ms for the
//   general convolution of the spread dy (3/4 of its multiply-adds on zeros); to 16x16x32: 2.1 vs 10.5.
// For stride s the convolution reads every s-th row and column only, and only those get gradient.
import * as tf from '@tensorflow/tfjs';
import { dilateSpatial } from './dilate';
import { padOrCropSpatial } from './padding';
import { stridedPixels } from './strided-read';

/** dL/dW [1, 1, Cin, Cout] = (the pixels read, as [N, Cin])^T @ dy as [N, Cout]. */
export function pointwiseFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, stride: number): tf.Tensor4D {
  const [b, ho, wo, cout] = dy.shape;
  const cin = x.shape[3];
  const n = b * ho * wo;
  const pixels = tf.reshape(stridedPixels(x, stride, 0, 0, ho, wo), [n, cin]);
  return tf.reshape(tf.matMul(tf.transpose(pixels), tf.reshape(dy, [n, cout])), [1, 1, cin, cout]);
}

/** dL/dx: dy through the transposed filter (a 1x1 convolution), spread back to the pixels read. */
export function pointwiseInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, xShape: number[], stride: number): tf.Tensor4D {
  const [, h, w] = xShape;
  const atRead = tf.conv2d(dy, tf.transpose(filter, [0, 1, 3, 2]), 1, 'valid');
  if (stride === 1) return atRead;
  const spread = dilateSpatial(atRead, stride);
  return padOrCropSpatial(spread, 0, h - spread.shape[1], 0, w - spread.shape[2]);
}
