// Pure CutMix box geometry, following the CutMix reference code (clovaai/CutMix-PyTorch, rand_bbox):
// the cut side is floor(side * sqrt(1 - lambda)), the centre is a uniform pixel, the box extends
// floor(cut / 2) either side of it and is clipped to the image. Clipping shrinks the box, which is
// why lambda is corrected afterwards to the area actually cut.
import type { Rng } from '../engine/rng';
import type { CutBox } from './mix-method';

/** A box of area about (1 - lambda) * height * width, centred on a uniform pixel, clipped to the image. */
export function sampleCutBox(rng: Rng, lambda: number, height: number, width: number): CutBox {
  const cutRatio = Math.sqrt(1 - lambda);
  const halfW = Math.floor(Math.floor(width * cutRatio) / 2);
  const halfH = Math.floor(Math.floor(height * cutRatio) / 2);
  const cx = rng.int(width);
  const cy = rng.int(height);
  return {
    x0: clamp(cx - halfW, 0, width),
    y0: clamp(cy - halfH, 0, height),
    x1: clamp(cx + halfW, 0, width),
    y1: clamp(cy + halfH, 0, height),
  };
}

export function boxArea(box: CutBox): number {
  return (box.x1 - box.x0) * (box.y1 - box.y0);
}

/** The share of image A left once the box is pasted from B: 1 - box area / image area. */
export function lambdaOutsideBox(box: CutBox, height: number, width: number): number {
  return 1 - boxArea(box) / (height * width);
}

/** Per sample and image row (B x height, sample-major): 1 where the row crosses that sample's box. */
export function rowsCrossingBoxes(boxes: readonly CutBox[], height: number): Uint8Array {
  const flags = new Uint8Array(boxes.length * height);
  boxes.forEach((box, b) => flags.fill(1, b * height + box.y0, b * height + box.y1));
  return flags;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
