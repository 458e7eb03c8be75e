// What `gridmix preview` leaves in its folder: one lossless PNG per mixed sample at the dataset's own
// resolution (sample-000.png, ...: grayscale for 1 channel, RGB for 3; the pixels are exactly the
// mixed image) and preview.json, which says for each PNG which two images it mixes and how.
import * as path from 'path';
import { PNG } from 'pngjs';
import { writeFileAtomic } from '../io/atomic-file';
import type { PreviewSample, PreviewSampleRecord } from './preview-samples';

export const PREVIEW_JSON = 'preview.json';

/** Everything about the run of the command that is the same for every sample. */
export interface PreviewHeader {
  method: string;
  /** The method's options as used (grid, p, alpha). */
  options: Record<string, unknown>;
  dataset: string;
  split: string;
  augment: boolean;
  seed: number;
  height: number;
  width: number;
  channels: number;
  backend: string;
}

export interface PreviewManifest extends PreviewHeader {
  count: number;
  /** How to read the per-sample fields. */
  conventions: Record<string, string>;
  samples: Array<PreviewSampleRecord & { file: string }>;
}

const CONVENTIONS = {
  indices: 'a.index and b.index are the images\' indices in the dataset split (the order of its files), a is the sample, b its partner',
  lambda: 'the share of image a in the mixed image (CutMix, GridMix: the share of pixels; MixUp: the blend weight)',
  mask: 'GridMix: N x N cells, row-major, 1 = the cell shows a, 0 = b; cell i covers rows floor(i*H/N) .. floor((i+1)*H/N)-1, columns likewise',
  box: 'CutMix: the half-open pixel rectangle x0..x1-1, y0..y1-1 that shows b',
  pixels: 'PNG values are the mixed image on the 0-255 scale; MixUp values are rounded to the nearest level',
};

export function sampleFileName(k: number): string {
  return `sample-${String(k).padStart(3, '0')}.png`;
}

/** A lossless 8-bit PNG of H x W x C pixels (C = 1: grayscale, C = 3: RGB). */
export function encodePng(pixels: Uint8Array, height: number, width: number, channels: number): Buffer {
  if (channels !== 1 && channels !== 3) throw new Error(`PNG previews take 1 or 3 channels, got ${channels}`);
  const colorType = channels === 1 ? 0 : 2;
  return PNG.sync.write({ width, height, data: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength) } as PNG, {
    colorType,
    inputColorType: colorType,
    inputHasAlpha: false,
  });
}

/** Writes the PNGs and preview.json into `dir`; returns the manifest written. */
export function writePreview(dir: string, header: PreviewHeader, samples: readonly PreviewSample[]): PreviewManifest {
  const manifest: PreviewManifest = { ...header, count: samples.length, conventions: CONVENTIONS, samples: [] };
  samples.forEach((sample, k) => {
    const file = sampleFileName(k);
    writeFileAtomic(path.join(dir, file), encodePng(sample.pixels, header.height, header.width, header.channels));
    manifest.samples.push({ file, ...sample.record });
  });
  writeFileAtomic(path.join(dir, PREVIEW_JSON), manifestJson(manifest));
  return manifest;
}

/** Indented JSON with each list of numbers (a mask row, a box) on one line, so an N x N mask reads as a grid. */
export function manifestJson(manifest: PreviewManifest): string {
  const text = JSON.stringify(manifest, null, 2);
  return text.replace(/\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g, (_, items: string) => `[${items.split(/,\s*/).join(', ')}]`) + '\n';
}
