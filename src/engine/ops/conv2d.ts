// NHWC convolution with its gradients written as forward convolutions, because the wasm backend has
// no Conv2DBackpropFilter kernel at all and its Conv2DBackpropInput (tf.conv2dTranspose) is slow.
// Every gradient below runs on kernels wasm has (Conv2D with dilation, Transpose, PadV2, Slice,
// Reverse, BatchMatMul), and on the cpu and tensorflow backends alike. Unpadded 1x1 convolutions take
// matrix-product gradients (pointwise-conv-gradients.ts); groups are in grouped-conv.ts.
import * as tf from '@tensorflow/tfjs';
import { axisWindow, explicitPad, padOrCropSpatial, type AxisWindow, type Pad4D, type Padding } from './padding';
import { dilateSpatial } from './dilate';
import { groupedConv, type DenseConv } from './grouped-conv';
import { pointwiseFilterGradient, pointwiseInputGradient } from './pointwise-conv-gradients';
import { nativeKernelsActive } from '../native';
import { nativeConv2d } from '../native/ops';
import { addChannelBias } from './bias-add';
import { tensorflowGradientsActive } from '../tensorflow-kernels';

export interface Conv2DArgs {
  strides?: number;
  pad: Padding;
  /** Grouped convolution (ResNeXt): the filter is [kh, kw, inChannels / groups, outChannels]. */
  groups?: number;
  /** A per-output-channel bias (VGG's convolutions keep one). */
  bias?: tf.Tensor1D;
}

/** NHWC convolution. x: [B, H, W, Cin], filter: [kh, kw, Cin / groups, Cout]. */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, args: Conv2DArgs): tf.Tensor4D {
  const stride = args.strides ?? 1;
  const groups = args.groups ?? 1;
  const cin = x.shape[3];
  const [kh, kw, filterIn, cout] = filter.shape;
  if (filterIn * groups !== cin) {
    throw new Error(`conv2d: filter has ${filterIn} input channels x ${groups} groups, input has ${cin}`);
  }
  if (cout % groups !== 0) throw new Error(`conv2d: ${cout} output channels do not split into ${groups} groups`);
  const rows = axisWindow(x.shape[1], kh, stride, args.pad);
  const cols = axisWindow(x.shape[2], kw, stride, args.pad);
  if (nativeKernelsActive()) return nativeConv2d(x, filter, rows, cols, stride, groups, args.bias);
  const dense: DenseConv = tensorflowGradientsActive()
    ? (xi, wi) => tf.conv2d(padOrCropSpatial(xi, rows.before, rows.after, cols.before, cols.after), wi, stride, 'valid')
    : (denseConv(rows, cols, stride) as DenseConv);
  const y = groups === 1 ? dense(x, filter) : groupedConv(x, filter, groups, dense);
  return args.bias ? addChannelBias(y, args.bias) : y;
}

function isUnpaddedPointwise(filterShape: number[], rows: AxisWindow, cols: AxisWindow): boolean {
  return filterShape[0] === 1 && filterShape[1] === 1 && rows.before + rows.after + cols.before + cols.after === 0;
}

/** The convolution for one geometry, with the custom gradient. */
function denseConv(rows: AxisWindow, cols: AxisWindow, stride: number) {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x4, w4, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([x4, w4]);
    const value = tf.conv2d(x4, w4, stride, explicitPad(rows, cols));
    const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xs, ws] = saved as tf.Tensor4D[];
      if (isUnpaddedPointwise(ws.shape, rows, cols)) {
        return [pointwiseInputGradient(dy, ws, xs.shape, stride), pointwiseFilterGradient(xs, dy, stride)];
      }
      return [inputGradient(dy, ws, xs.shape, rows, cols, stride), filterGradient(xs, dy, ws.shape, rows, cols, stride)];
    };
    return { value, gradFunc };
  });
}

/**
 * dL/dx as a stride-1 convolution of the output gradient, spread out to the input's stride grid
 * (zeros between its rows and columns), with the filter rotated 180 degrees and its in/out channels
 * swapped. Measured on wasm (one thread, batch 128, 3x3, 2 cores shared with other jobs), against
 * tf.conv2dTranspose (Conv2DBackpropInput) for the same gradient: stride 1 on 32x32x16 60 vs 500 ms,
 * 16x16x32 32 vs 287 ms, 8x8x64 40 vs 337 ms; stride 2 to 32x32x16 208 vs 455 ms; over a whole
 * ResNet-20 step the prototypes went from 17-21 to 31-37 images/s. Splitting a strided gradient into
 * s*s phase convolutions (no multiply-adds on the spread zeros) was tried and lost at these channel
 * counts: CPU time 111 vs 69 ms (3x3 to 32x32x16), 49 vs 64 ms (3x3 to 16x16x32), 35 vs 19 ms (1x1):
 * the thin per-phase convolutions and the interleaving copies cost more than the zeros.
 */
function inputGradient(
  dy: tf.Tensor4D, filter: tf.Tensor4D, xShape: number[], rows: AxisWindow, cols: AxisWindow, stride: number,
): tf.Tensor4D {
  const [kh, kw] = filter.shape;
  const [, h, w] = xShape;
  // Where each dy value lands in the spread-out grid: offset `lead` within its stride cell, chosen so
  // the convolution needs padding rather than a crop on both sides whenever possible.
  const leadRows = Math.min(stride - 1, Math.max(0, rows.out * stride - h - rows.before));
  const leadCols = Math.min(stride - 1, Math.max(0, cols.out * stride - w - cols.before));
  const spread = stride === 1 ? dy : dilateSpatial(dy, stride, leadRows, leadCols);
  // dx row r is padded-input row r + before, which filter row i read from output row y where
  // y*s + i = r + before; y sits at spread row y*s + lead. A stride-1 convolution with the rotated
  // filter and `top` rows of padding reads spread rows r - top .. r - top + kh - 1, which matches
  // when top = kh - 1 - lead - before; `bottom` then makes the output exactly h rows. A negative
  // amount is a crop of the spread gradient instead.
  const top = kh - 1 - leadRows - rows.before;
  const left = kw - 1 - leadCols - cols.before;
  const bottom = h - spread.shape[1] - top + kh - 1;
  const right = w - spread.shape[2] - left + kw - 1;
  const cropped = padOrCropSpatial(spread, Math.min(0, top), Math.min(0, bottom), Math.min(0, left), Math.min(0, right));
  const rotated = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
  const pad: Pad4D = [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]];
  return tf.conv2d(cropped, rotated, 1, pad);
}

/**
 * dL/dW[i, j, ci, co] = sum over b, y, x of xPadded[b, y*s + i, x*s + j, ci] * dy[b, y, x, co]: a
 * convolution of the input seen as [Cin, H, W, B] (batch as channels) with the output gradient seen
 * as a filter [Ho, Wo, B, Cout], dilated by the stride. The result [Cin, kh, kw, Cout] is transposed
 * to the filter's layout. Padded rows a strided window never reads are left out of the padding; if the
 * input itself has such rows the convolution yields extra filter rows, cropped off (cheaper than
 * cropping the input: the result is filter-sized).
 * On wasm this runs at 14-19 GFLOP/s against 26-29 for the forward convolution. Tried and slower
 * (batch 128, 3x3 on 32x32x16, transposes included, against 50-78 ms for this one): summing
 * convolutions over batch chunks of 32 / 16 / 8 images, 74 / 112 / 138 ms (XNNPACK's inner loop runs
 * over the channels, here the images); the width folded into the channels, three convolutions with
 * 4,096 channels, 95 ms; nine shifted matrix products, 186 ms.
 */
function filterGradient(
  x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: number[], rows: AxisWindow, cols: AxisWindow, stride: number,
): tf.Tensor4D {
  const [kh, kw, cin, cout] = filterShape;
  const xAsBatchChannels = batchToChannels(x);
  const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]);
  const pad: Pad4D = [
    [0, 0], [rows.before, Math.max(0, rows.after - rows.unread)], [cols.before, Math.max(0, cols.after - cols.unread)], [0, 0],
  ];
  let grad = tf.conv2d(xAsBatchChannels, dyAsFilter, 1, pad, 'NHWC', stride) as tf.Tensor4D;
  if (grad.shape[1] !== kh || grad.shape[2] !== kw) grad = tf.slice(grad, [0, 0, 0, 0], [cin, kh, kw, cout]);
  return tf.transpose(grad, [1, 2, 0, 3]);
}

/**
 * x [B, H, W, C] as [C, H, W, B], by a 2-D transpose to [H*W*C, B] and a swap of the two outer axes
 * of [H*W, C, B] (rows of B contiguous values): on wasm 8.6-11.7 ms against 14-17.8 for the one
 * 4-D permutation [3, 1, 2, 0] at 128x32x32x16.
 */
function batchToChannels(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const pixelsByBatch = tf.transpose(tf.reshape(x, [b, h * w * c]));
  return tf.reshape(tf.transpose(tf.reshape(pixelsByBatch, [h * w, c, b]), [1, 0, 2]), [c, h, w, b]);
}
