// The binary CIFAR formats: fixed-length records of label byte(s) then 3072 bytes of 32x32 pixels,
// stored channel-first (the red plane, then green, then blue), with no header and no padding.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../errors';
import type { ImageSplit } from '../dataset';

export const CIFAR_SIDE = 32;
const PLANE = CIFAR_SIDE * CIFAR_SIDE;
const PIXEL_BYTES = 3 * PLANE;

export interface CifarRecordLayout {
  /** Label bytes before the pixels: 1 for CIFAR-10, 2 for CIFAR-100 (coarse, fine). */
  labelBytes: number;
  /** Which of them is the label used (CIFAR-100: 1, the fine label). */
  labelOffset: number;
  numClasses: number;
}

/** Reads record files into one split, turning CHW planes into HWC pixels. */
export function readCifarBinaryFiles(files: readonly string[], layout: CifarRecordLayout): ImageSplit {
  const recordBytes = layout.labelBytes + PIXEL_BYTES;
  const contents = files.map((file) => {
    const bytes = fs.readFileSync(file);
    if (bytes.length === 0 || bytes.length % recordBytes !== 0) {
      throw new UserError(`${path.basename(file)}: ${bytes.length} bytes is not a multiple of ${recordBytes} (one CIFAR binary record) in ${path.dirname(file)}`);
    }
    return { file, bytes };
  });
  const count = contents.reduce((sum, c) => sum + c.bytes.length / recordBytes, 0);
  const images = new Uint8Array(count * PIXEL_BYTES);
  const labels = new Int32Array(count);
  let n = 0;
  for (const { file, bytes } of contents) {
    for (let r = 0; r < bytes.length; r += recordBytes, n++) {
      const label = bytes[r + layout.labelOffset];
      if (label >= layout.numClasses) {
        throw new UserError(`${path.basename(file)}: record ${r / recordBytes} has label ${label}, expected 0..${layout.numClasses - 1}`);
      }
      labels[n] = label;
      const pixels = r + layout.labelBytes;
      const out = n * PIXEL_BYTES;
      for (let p = 0; p < PLANE; p++) {
        images[out + 3 * p] = bytes[pixels + p];
        images[out + 3 * p + 1] = bytes[pixels + PLANE + p];
        images[out + 3 * p + 2] = bytes[pixels + 2 * PLANE + p];
      }
    }
  }
  return { images, labels, count };
}

/** Class names from a names file (one per line, blank lines ignored), or `fallback` when it is absent. */
export function readClassNames(file: string, expected: number, fallback: () => string[]): string[] {
  if (!fs.existsSync(file)) return fallback();
  const names = fs.readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (names.length !== expected) throw new UserError(`${path.basename(file)}: ${names.length} class names, expected ${expected}`);
  return names;
}

/**
 * When a folder holds the python (pickle) version instead, the error says which archive to get:
 * gridmix never unpickles (it can run code) and reads only the binary version.
 */
export function pythonVersionHint(candidates: readonly string[], pythonFolder: string, binaryArchiveUrl: string): string | undefined {
  for (const dir of candidates) {
    for (const inner of [dir, path.join(dir, pythonFolder)]) {
      if (fs.existsSync(path.join(inner, 'test')) || fs.existsSync(path.join(inner, 'test_batch'))) {
        if (fs.existsSync(path.join(inner, 'meta')) || fs.existsSync(path.join(inner, 'batches.meta'))) {
          return `${inner} holds the python (pickle) version, which gridmix does not read; download the binary version ${binaryArchiveUrl} and unpack it there`;
        }
      }
    }
  }
  return undefined;
}
