// The standard augmentation of training images, on uint8 HWC pixels in plain typed-array loops
// (scripts/bench-loader.ts measures these against the same crops done with tensor ops).
import type { Rng } from '../engine/rng';

/**
 * CIFAR-style: pad every side with `pad` zero pixels, crop back to the original size at a uniform
 * offset, flip left-right with probability 1/2. Used for 28x28 and 32x32 (pad 4) and 64x64 (pad 8).
 */
export interface PadCropPolicy {
  kind: 'pad-crop';
  pad: number;
}

/**
 * Inception/torchvision RandomResizedCrop: a crop covering `minArea`..`maxArea` of the image with an
 * aspect ratio in [minRatio, maxRatio] (log-uniform), resized bilinearly back to the full size, then
 * the flip. Used for 224x224 and other large images.
 */
export interface ResizedCropPolicy {
  kind: 'resized-crop';
  minArea: number;
  maxArea: number;
  minRatio: number;
  maxRatio: number;
}

export type AugmentPolicy = PadCropPolicy | ResizedCropPolicy;

/** The policy for an image size: pad 4 up to 32 px, pad 8 up to 64 px, resized crop above (ImageNet, CUB). */
export function standardPolicy(height: number, width: number): AugmentPolicy {
  const side = Math.max(height, width);
  if (side <= 32) return { kind: 'pad-crop', pad: 4 };
  if (side <= 96) return { kind: 'pad-crop', pad: 8 };
  return { kind: 'resized-crop', minArea: 0.08, maxArea: 1, minRatio: 3 / 4, maxRatio: 4 / 3 };
}

export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/** Where one augmented image comes from: a source rectangle (may overhang with zero padding) and a flip. */
export interface CropWindow {
  top: number;
  left: number;
  height: number;
  width: number;
  flip: boolean;
}

/** Draws the crop window of one image under `policy`. */
export function drawCropWindow(policy: AugmentPolicy, shape: ImageShape, rng: Rng): CropWindow {
  if (policy.kind === 'pad-crop') {
    const top = rng.intBetween(-policy.pad, policy.pad);
    const left = rng.intBetween(-policy.pad, policy.pad);
    return { top, left, height: shape.height, width: shape.width, flip: rng.bernoulli(0.5) };
  }
  return { ...drawResizedCrop(policy, shape, rng), flip: rng.bernoulli(0.5) };
}

/** torchvision's RandomResizedCrop.get_params: ten tries, then the whole image clipped to the ratio range. */
function drawResizedCrop(policy: ResizedCropPolicy, shape: ImageShape, rng: Rng): Omit<CropWindow, 'flip'> {
  const { height, width } = shape;
  const area = height * width;
  const logMin = Math.log(policy.minRatio);
  const logMax = Math.log(policy.maxRatio);
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * (policy.minArea + (policy.maxArea - policy.minArea) * rng.uniform());
    const ratio = Math.exp(logMin + (logMax - logMin) * rng.uniform());
    const w = Math.round(Math.sqrt(targetArea * ratio));
    const h = Math.round(Math.sqrt(targetArea / ratio));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      return { top: rng.intBetween(0, height - h), left: rng.intBetween(0, width - w), height: h, width: w };
    }
  }
  const ratio = width / height;
  let w = width;
  let h = height;
  if (ratio < policy.minRatio) h = Math.round(w / policy.minRatio);
  else if (ratio > policy.maxRatio) w = Math.round(h * policy.maxRatio);
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

/**
 * Copies image `src` (at byte `srcOffset`) into `dst` (at `dstOffset`) through `window`, at the
 * original size. A window of the image's own size is an exact pixel shift with zeros where it overhangs;
 * any other size is resized bilinearly (pixel centres aligned, as torchvision does).
 */
export function applyCropWindow(
  src: Uint8Array,
  srcOffset: number,
  dst: Uint8Array,
  dstOffset: number,
  shape: ImageShape,
  window: CropWindow,
): void {
  if (window.height === shape.height && window.width === shape.width) shiftCopy(src, srcOffset, dst, dstOffset, shape, window);
  else resizedCopy(src, srcOffset, dst, dstOffset, shape, window);
}

function shiftCopy(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number, shape: ImageShape, window: CropWindow): void {
  const { height, width, channels } = shape;
  const rowBytes = width * channels;
  for (let y = 0; y < height; y++) {
    const sy = y + window.top;
    const dstRow = dstOffset + y * rowBytes;
    if (sy < 0 || sy >= height) {
      dst.fill(0, dstRow, dstRow + rowBytes);
      continue;
    }
    const srcRow = srcOffset + sy * rowBytes;
    for (let x = 0; x < width; x++) {
      const sx = (window.flip ? width - 1 - x : x) + window.left;
      const d = dstRow + x * channels;
      if (sx < 0 || sx >= width) {
        for (let c = 0; c < channels; c++) dst[d + c] = 0;
      } else {
        const s = srcRow + sx * channels;
        for (let c = 0; c < channels; c++) dst[d + c] = src[s + c];
      }
    }
  }
}

function resizedCopy(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number, shape: ImageShape, window: CropWindow): void {
  const { height, width, channels } = shape;
  // The source columns and weights depend on x only, the rows on y only: compute each once.
  const columns = sampleGrid(width, window.width, window.left, window.flip);
  const rows = sampleGrid(height, window.height, window.top, false);
  const rowBytes = width * channels;
  for (let y = 0; y < height; y++) {
    const row0 = srcOffset + rows.first[y] * rowBytes;
    const row1 = srcOffset + rows.second[y] * rowBytes;
    const wy = rows.weight[y];
    let d = dstOffset + y * rowBytes;
    for (let x = 0; x < width; x++) {
      const c0 = columns.first[x] * channels;
      const c1 = columns.second[x] * channels;
      const wx = columns.weight[x];
      for (let c = 0; c < channels; c++, d++) {
        // 8-bit fixed-point weights: small-integer arithmetic, twice as fast as floats here.
        const top = (src[row0 + c0 + c] << 8) + (src[row0 + c1 + c] - src[row0 + c0 + c]) * wx;
        const bottom = (src[row1 + c0 + c] << 8) + (src[row1 + c1 + c] - src[row1 + c0 + c]) * wx;
        dst[d] = ((top << 8) + (bottom - top) * wy + 32768) >> 16;
      }
    }
  }
}

/** For each of `size` output positions: the two source positions around it and the second one's weight in 1/256ths. */
function sampleGrid(size: number, windowSize: number, windowStart: number, flip: boolean) {
  const first = new Int32Array(size);
  const second = new Int32Array(size);
  const weight = new Int32Array(size);
  const scale = windowSize / size;
  for (let i = 0; i < size; i++) {
    const out = flip ? size - 1 - i : i;
    // Pixel centres aligned (half-pixel), clamped at the window's edges, as torchvision does.
    const f = Math.min(Math.max((out + 0.5) * scale - 0.5, 0), windowSize - 1);
    const lower = Math.floor(f);
    first[i] = windowStart + lower;
    second[i] = windowStart + Math.min(lower + 1, windowSize - 1);
    weight[i] = Math.round((f - lower) * 256);
  }
  return { first, second, weight };
}
