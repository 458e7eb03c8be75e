// From a class activation map to a box, as the CAM localisation protocol does it (Zhou et al. 2016;
// the WSOL code CutMix and GridMix evaluate with): keep the pixels at or above a fraction of the
// map's maximum, take the largest connected region of them, and box it. Plain JS on one small map:
// this runs per image after the network.
//
// Conventions:
// - Connectivity: 8 (diagonal neighbours join), as the outer contours of cv2.findContours, which the
//   reference code boxes. "Largest" is by pixel count (the reference compares contour areas; the two
//   agree except on thin, ragged regions). Ties go to the region met first in raster order.
// - Threshold: a pixel is kept when value >= threshold * max, so the peak is always kept and there is
//   always a box (cv2.threshold keeps > instead; they differ only on pixels exactly at the level).
// - Boxes are continuous pixel coordinates [x0, y0, x1, y1]: pixel (x, y) covers [x, x+1) x [y, y+1),
//   so a region spanning columns 3..5 is x0 = 3, x1 = 6. Ground-truth boxes (CUB, resized) are in the
//   same coordinates, and IoU is the ratio of continuous areas.

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A height x width map, row-major. */
export interface ScoreMap {
  values: ArrayLike<number>;
  height: number;
  width: number;
}

/** 1 where the map is at or above `threshold` times its maximum. */
export function thresholdMap(map: ScoreMap, threshold: number): Uint8Array {
  const { values } = map;
  let max = -Infinity;
  for (let k = 0; k < values.length; k++) if (values[k] > max) max = values[k];
  const level = threshold * max;
  const kept = new Uint8Array(values.length);
  for (let k = 0; k < values.length; k++) kept[k] = values[k] >= level ? 1 : 0;
  return kept;
}

/**
 * The bounding box of the largest 8-connected region of kept pixels, or undefined if none is kept.
 * Iterative flood fill with an explicit stack (a 224 x 224 region would overflow recursion).
 */
export function largestRegionBox(kept: Uint8Array, height: number, width: number): Box | undefined {
  const label = new Uint8Array(kept.length); // 1 once visited
  const stack = new Int32Array(kept.length);
  let best: Box | undefined;
  let bestSize = 0;
  for (let start = 0; start < kept.length; start++) {
    if (!kept[start] || label[start]) continue;
    let top = 0;
    stack[top++] = start;
    label[start] = 1;
    let size = 0;
    let x0 = width;
    let y0 = height;
    let x1 = -1;
    let y1 = -1;
    while (top > 0) {
      const k = stack[--top];
      const y = Math.floor(k / width);
      const x = k - y * width;
      size++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const n = ny * width + nx;
          if (kept[n] && !label[n]) {
            label[n] = 1;
            stack[top++] = n;
          }
        }
      }
    }
    if (size > bestSize) {
      bestSize = size;
      best = { x0, y0, x1: x1 + 1, y1: y1 + 1 };
    }
  }
  return best;
}

/** The CAM box of a (normalised or not) activation map at a threshold relative to its maximum. */
export function camBox(map: ScoreMap, threshold: number): Box {
  const box = largestRegionBox(thresholdMap(map, threshold), map.height, map.width);
  // Only a map with no finite maximum (NaN everywhere) keeps nothing: then the box is the whole image.
  return box ?? { x0: 0, y0: 0, x1: map.width, y1: map.height };
}

export function boxArea(box: Box): number {
  return Math.max(0, box.x1 - box.x0) * Math.max(0, box.y1 - box.y0);
}

/** Intersection over union of two boxes in continuous coordinates (0 when both are empty). */
export function boxIoU(a: Box, b: Box): number {
  const intersection = boxArea({ x0: Math.max(a.x0, b.x0), y0: Math.max(a.y0, b.y0), x1: Math.min(a.x1, b.x1), y1: Math.min(a.y1, b.y1) });
  const union = boxArea(a) + boxArea(b) - intersection;
  return union > 0 ? intersection / union : 0;
}
