// Max pooling with a gradient of our own: the wasm backend's MaxPoolGrad (and MaxPoolWithArgmax)
// route the gradient to the first cell of any window whose maximum is not above 0 (denormals count
// as 0) — measured with tfjs 4.22: window [-4, -3, -2, -1] gets gradient [1, 0, 0, 0] instead of
// [0, 0, 0, 1] — so every window of negative values (common before a ReLU) would train on a wrong
// gradient. The forward MaxPool kernel is correct.
import * as tf from '@tensorflow/tfjs';
import { dilateSpatial } from './dilate';
import { stridedPixels } from './strided-read';
import { axisWindow, explicitPad, padOrCropSpatial, type AxisWindow, type Padding } from './padding';
import { nativeKernelsActive } from '../native';
import { nativeMaxPool } from '../native/ops';
import { tensorflowGradientsActive } from '../tensorflow-kernels';

/**
 * Max pooling. 'same' and a numeric pad both pad with -Infinity (padded cells never win), so a
 * numeric pad is PyTorch's MaxPool2d padding, e.g. the ResNet stem's 3x3 stride 2 pad 1.
 */
export function maxPool(x: tf.Tensor4D, size: number, strides: number, pad: Padding): tf.Tensor4D {
  const rows = axisWindow(x.shape[1], size, strides, pad);
  const cols = axisWindow(x.shape[2], size, strides, pad);
  if (nativeKernelsActive()) return nativeMaxPool(x, rows, cols, size, strides);
  if (tensorflowGradientsActive()) {
    // TensorFlow's MaxPoolGrad routes each gradient to the window's first maximum, as ours does.
    const padded = rows.before + rows.after + cols.before + cols.after > 0 ? tf.pad(x, explicitPad(rows, cols), -Infinity) : x;
    return tf.maxPool(padded as tf.Tensor4D, size, strides, 'valid');
  }
  return maxPoolOp(rows, cols, size, strides)(x) as tf.Tensor4D;
}

function maxPoolOp(rows: AxisWindow, cols: AxisWindow, size: number, stride: number) {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    const padded = rows.before + rows.after + cols.before + cols.after > 0 ? tf.pad(x, explicitPad(rows, cols), -Infinity) : x;
    const value = tf.maxPool(padded, size, stride, 'valid');
    save([padded, value]);
    const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]): tf.Tensor4D => {
      const [paddedSaved, y] = saved as tf.Tensor4D[];
      return maxPoolBackward(dy, paddedSaved, y, x.shape, rows, cols, size, stride);
    };
    return { value, gradFunc };
  });
}

/**
 * Each output's gradient goes to the first cell (in window row-major order, as tf and PyTorch break
 * ties) that equals the window's maximum. One pass per window offset (i, j): the cells at offset
 * (i, j) of every window are a strided slice the size of the output; those that hold the maximum
 * and were not claimed by an earlier offset take dy, which is then spread back to input positions.
 * size^2 small passes: cheap next to the convolutions around a pooling layer.
 */
function maxPoolBackward(
  dy: tf.Tensor4D, padded: tf.Tensor4D, y: tf.Tensor4D, xShape: number[],
  rows: AxisWindow, cols: AxisWindow, size: number, stride: number,
): tf.Tensor4D {
  const [, h, w] = xShape;
  const zeros = tf.zerosLike(dy);
  const parts: tf.Tensor4D[] = [];
  let claimed: tf.Tensor | undefined;
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const cells = stridedPixels(padded, stride, i, j, rows.out, cols.out);
      let wins = tf.equal(cells, y);
      if (claimed) {
        wins = tf.logicalAnd(wins, tf.logicalNot(claimed));
        claimed = tf.logicalOr(claimed, wins);
      } else {
        claimed = wins;
      }
      const spread = dilateSpatial(tf.where(wins, dy, zeros), stride);
      // spread row r*stride is padded row r*stride + i, i.e. input row r*stride + i - before.
      const top = i - rows.before;
      const left = j - cols.before;
      parts.push(padOrCropSpatial(spread, top, h - spread.shape[1] - top, left, w - spread.shape[2] - left));
    }
  }
  return tf.addN(parts);
}
