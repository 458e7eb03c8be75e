// Padding arithmetic shared by convolutions and pooling: turns 'same' | 'valid' | a number into the
// explicit rows/columns added on each side and the output size, exactly as TensorFlow ('same',
// 'valid') and PyTorch (a number: symmetric padding) define them.
import * as tf from '@tensorflow/tfjs';

/** 'same'/'valid' as in TensorFlow, or a number = symmetric padding as in PyTorch. */
export type Padding = 'same' | 'valid' | number;

/** Padding and output length along one spatial axis. */
export interface AxisWindow {
  before: number;
  after: number;
  /** Output length along this axis. */
  out: number;
  /**
   * Padded input rows past the last window (>= 0): a strided window never reads them, so they get
   * no gradient (e.g. 'valid', kernel 1, stride 2 on an even size leaves the last row unread).
   */
  unread: number;
}

export function axisWindow(inSize: number, kernel: number, stride: number, pad: Padding): AxisWindow {
  let before: number;
  let after: number;
  if (pad === 'same') {
    const out = Math.ceil(inSize / stride);
    const total = Math.max(0, (out - 1) * stride + kernel - inSize);
    before = Math.floor(total / 2);
    after = total - before;
  } else if (pad === 'valid') {
    before = 0;
    after = 0;
  } else {
    if (!Number.isInteger(pad) || pad < 0) throw new RangeError(`padding must be a non-negative integer, got ${pad}`);
    before = pad;
    after = pad;
  }
  const padded = inSize + before + after;
  if (padded < kernel) throw new RangeError(`window ${kernel} is larger than the padded input ${padded}`);
  const out = Math.floor((padded - kernel) / stride) + 1;
  return { before, after, out, unread: padded - ((out - 1) * stride + kernel) };
}

export type Pad4D = [[number, number], [number, number], [number, number], [number, number]];

/** tf's explicit NHWC padding from the two spatial windows. */
export function explicitPad(rows: AxisWindow, cols: AxisWindow): Pad4D {
  return [[0, 0], [rows.before, rows.after], [cols.before, cols.after], [0, 0]];
}

/** Pads (positive amounts) or crops (negative amounts) the two spatial axes of an NHWC tensor. */
export function padOrCropSpatial(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  let t = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const cropTop = Math.max(0, -top);
    const cropLeft = Math.max(0, -left);
    t = tf.slice(t, [0, cropTop, cropLeft, 0], [b, h - cropTop - Math.max(0, -bottom), w - cropLeft - Math.max(0, -right), c]);
  }
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    t = tf.pad(t, [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]]);
  }
  return t;
}
