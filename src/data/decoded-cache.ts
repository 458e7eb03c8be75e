// A binary cache of decoded, resized images of the folder datasets, so a second run reads one file
// instead of decoding thousands of JPEGs. Keyed by dataset, size and a digest of what was decoded
// (files, labels, resize mode), so a changed limit or folder never reads a stale cache.
// Layout: "GMXD" magic, uint32 LE version, count, height, width, channels, hasBoxes, then the int32
// labels, the float32 boxes (if any) and the uint8 pixels.
import * as fs from 'node:fs';
import * as path from 'node:path';
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
  const bytes = fs.readFileSync(file);
  if (bytes.length < HEADER_BYTES || bytes.toString('latin1', 0, 4) !== MAGIC) return undefined;
  const [version, count, height, width, channels, hasBoxes] = [0, 1, 2, 3, 4, 5].map((k) => bytes.readUInt32LE(4 + 4 * k));
  if (version !== VERSION || height !== shape.height || width !== shape.width || channels !== shape.channels) return undefined;
  const imageBytes = count * height * width * channels;
  const boxBytes = hasBoxes ? count * 16 : 0;
  if (bytes.length !== HEADER_BYTES + count * 4 + boxBytes + imageBytes) return undefined;
  // Copies into fresh, aligned arrays (the Buffer may share a pool and be unaligned for Int32Array).
  let at = HEADER_BYTES;
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++, at += 4) labels[i] = bytes.readInt32LE(at);
  let boxes: Float32Array | undefined;
  if (hasBoxes) {
    boxes = new Float32Array(count * 4);
    for (let i = 0; i < count * 4; i++, at += 4) boxes[i] = bytes.readFloatLE(at);
  }
  const images = new Uint8Array(imageBytes);
  images.set(bytes.subarray(at, at + imageBytes));
  return boxes ? { images, labels, count, boxes } : { images, labels, count };
}

/** Writes the cache atomically: a temp file in the same folder, then a rename over the final name. */
export function writeDecodedCache(file: string, shape: DecodedShape, split: ImageSplit): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(MAGIC, 0, 'latin1');
  [VERSION, split.count, shape.height, shape.width, shape.channels, split.boxes ? 1 : 0].forEach((v, k) => header.writeUInt32LE(v, 4 + 4 * k));
  const labels = Buffer.alloc(split.count * 4);
  split.labels.forEach((l, i) => labels.writeInt32LE(l, i * 4));
  const boxes = Buffer.alloc(split.boxes ? split.boxes.length * 4 : 0);
  split.boxes?.forEach((v, i) => boxes.writeFloatLE(v, i * 4));
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

/** fs.writeSync may write less than asked, and at most 2 GB at a time: loop in 64 MB chunks. */
function writeAll(fd: number, bytes: Uint8Array): void {
  const chunk = 64 * 1024 * 1024;
  for (let at = 0; at < bytes.length; ) {
    at += fs.writeSync(fd, bytes, at, Math.min(chunk, bytes.length - at));
  }
}
