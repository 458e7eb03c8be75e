// Builds a full-size [B, H, W, C] pixel mask from a small table of row patterns: every image row of
// a CutMix box mask or a GridMix cell mask is one of a few patterns (a box cuts through some rows and
// misses the others; a grid row repeats its cell row's pattern). The table is small, and picking a
// pattern per (sample, row) is one tf.gatherND, which copies whole rows (the wasm backend's
// per-element Gather and its broadcasting multiply are each an order of magnitude slower).
import * as tf from '@tensorflow/tfjs';

/**
 * patterns: [P, W*C], one pixel row each (channels innermost); rowPattern: per sample and image
 * row (B*H entries, sample-major), the index of its pattern. Returns [B, H, W, C].
 */
export function maskFromRowPatterns(
  patterns: tf.Tensor2D,
  rowPattern: Int32Array,
  shape: readonly [number, number, number, number],
): tf.Tensor4D {
  const [batch, height, width, channels] = shape;
  if (rowPattern.length !== batch * height || patterns.shape[1] !== width * channels) {
    throw new Error(`maskFromRowPatterns: ${rowPattern.length} row indices and patterns [${patterns.shape}] do not fit [${shape}]`);
  }
  return tf.tidy(() =>
    tf.gatherND(patterns, tf.tensor2d(rowPattern, [rowPattern.length, 1], 'int32')).reshape([batch, height, width, channels]),
  ) as tf.Tensor4D;
}
