// A binary cache of decoded, resized images of the folder datasets, so a second run reads one file
// instead of decoding thousands of JPEGs. Keyed by dataset, size and a digest of what was decoded
// (files, labels, resize mode), so a changed limit or folder never reads a stale cache.
// Layout: "GMXD" magic, uint32 LE version, count, height, width, channels, hasBoxes, then the int32 LE
// labels, the float32 LE boxes (if any) and the uint8 pixels.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureDir } from '../io/atomic-file';
import type { ImageSplit } from './dataset';

const MAGIC = 'GMXD';
const VERSION = 1;
const HEADER_BYTES = 4 + 6 * 4;

export interface DecodedShape {
  height: number;
  width: number;
  channels: number;
}

/** The cache file of one decoded split. */
export function decodedCacheFile(cacheDir: string, dataset: string, size: number, split: string, digest: string): string {
  return path.join(cacheDir, `${dataset}-${size}px-${split}-${digest.slice(0, 16)}.bin`);
}

/** The cached split, or undefined when there is none or it is not a complete cache file of this shape. */
export function readDecodedCache(file: string, shape: DecodedShape): ImageSplit | undefined {
  if (!fs.existsSync(file)) return undefined;
  // Read piece by piece into the final arrays: a cache may be larger than one Buffer can hold (2 GB).
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const header = Buffer.alloc(HEADER_BYTES);
    if (size < HEADER_BYTES || fs.readSync(fd, header, 0, HEADER_BYTES, 0) !== HEADER_BYTES) return undefined;
    if (header.toString('latin1', 0, 4) !== MAGIC) return undefined;
    const [version, count, height, width, channels, hasBoxes] = [0, 1, 2, 3, 4, 5].map((k) => header.readUInt32LE(4 + 4 * k));
    if (version !== VERSION || height !== shape.height || width !== shape.width || channels !== shape.channels) return undefined;
    const labels = new Int32Array(count);
    const boxes = hasBoxes ? new Float32Array(count * 4) : undefined;
    const images = new Uint8Array(count * height * width * channels);
    const parts = [labels, ...(boxes ? [boxes] : []), images];
    if (size !== HEADER_BYTES + parts.reduce((sum, p) => sum + p.byteLength, 0)) return undefined;
    // Little-endian on disk, as every platform Node runs on stores typed arrays.
    let at = HEADER_BYTES;
    for (const part of parts) at = readAll(fd, new Uint8Array(part.buffer, part.byteOffset, part.byteLength), at);
    return boxes ? { images, labels, count, boxes } : { images, labels, count };
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes the cache atomically: a temp file in the same folder, then a rename over the final name. */
export function writeDecodedCache(file: string, shape: DecodedShape, split: ImageSplit): void {
  ensureDir(path.dirname(file));
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(MAGIC, 0, 'latin1');
  [VERSION, split.count, shape.height, shape.width, shape.channels, split.boxes ? 1 : 0].forEach((v, k) => header.writeUInt32LE(v, 4 + 4 * k));
  const labels = new Uint8Array(split.labels.buffer, split.labels.byteOffset, split.labels.byteLength);
  const boxes = split.boxes ? new Uint8Array(split.boxes.buffer, split.boxes.byteOffset, split.boxes.byteLength) : new Uint8Array(0);
  const temp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(temp, 'w');
  try {
    for (const part of [header, labels, boxes, split.images]) writeAll(fd, part);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}

/** Fills `into` from the file at `position`; returns the position after it. */
function readAll(fd: number, into: Uint8Array, position: number): number {
  const chunk = 64 * 1024 * 1024;
  for (let at = 0; at < into.length; ) {
    const read = fs.readSync(fd, into, at, Math.min(chunk, into.length - at), position + at);
    if (read === 0) throw new Error('decoded cache file ended early');
    at += read;
  }
  return position + into.length;
}

/** fs.writeSync may write less than asked, and at most 2 GB at a time: loop in 64 MB chunks. */
function writeAll(fd: number, bytes: Uint8Array): void {
  const chunk = 64 * 1024 * 1024;
  for (let at = 0; at < bytes.length; ) {
    at += fs.writeSync(fd, bytes, at, Math.min(chunk, bytes.length - at));
  }
}
