// Folder datasets list their images first (file, label, optional box), then decode the list into an
// ImageSplit here: limits applied before decoding, several files decoded at once, and the result kept
// in the decoded-image cache for the next run.
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import type { ImageSplit } from './dataset';
import { balancedSubsetIndices } from './balanced-subset';
import { decodedCacheFile, readDecodedCache, writeDecodedCache } from './decoded-cache';
import { decodeImage, mapBox, type ResizeMode } from './image-decode';
import { decodedCacheDir } from './locations';

export interface ImageEntry {
  file: string;
  label: number;
  /** [x0, y0, x1, y1] in the original image's pixels. */
  box?: [number, number, number, number];
}

export interface DecodeRequest {
  dataset: string;
  split: string;
  size: number;
  mode: ResizeMode;
  /** Folder of the decoded-image cache (default: the user cache). */
  cacheDir?: string;
  progress?: (message: string) => void;
}

/** Decodes smaller than this stay quiet by default. */
export const PROGRESS_THRESHOLD = 2000;

function defaultProgress(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** The entries a class-balanced, seeded limit keeps (all of them when there is no limit). */
export function limitEntries(entries: readonly ImageEntry[], limit: number | undefined, seed: number): ImageEntry[] {
  if (limit === undefined || limit >= entries.length) return [...entries];
  const indices = balancedSubsetIndices(entries.map((e) => e.label), limit, seed);
  return Array.from(indices, (i) => entries[i]);
}

/** Decodes `entries` at request.size x request.size RGB, from the cache when it holds exactly this list. */
export async function decodeEntries(entries: readonly ImageEntry[], request: DecodeRequest): Promise<ImageSplit> {
  const shape = { height: request.size, width: request.size, channels: 3 };
  const cacheFile = decodedCacheFile(decodedCacheDir(request.cacheDir), request.dataset, request.size, request.split, entriesDigest(entries, request));
  const cached = readDecodedCache(cacheFile, shape);
  if (cached) return cached;

  const imageBytes = request.size * request.size * 3;
  const count = entries.length;
  const images = new Uint8Array(count * imageBytes);
  const labels = Int32Array.from(entries, (e) => e.label);
  const hasBoxes = count > 0 && entries.every((e) => e.box);
  const boxes = hasBoxes ? new Float32Array(count * 4) : undefined;
  // sharp decodes on libuv's thread pool: keep a few files in flight, one per core and then some.
  const inFlight = Math.max(2, os.cpus().length * 2);
  const progress = request.progress ?? (count > PROGRESS_THRESHOLD ? defaultProgress : undefined);
  const what = `${request.dataset} ${request.split}`;
  progress?.(`${what}: decoding ${count} images to ${request.size}x${request.size} (cached for the next run in ${cacheFile})`);
  const tenth = Math.max(1, Math.ceil(count / 10));
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const decoded = await decodeImage(entries[i].file, request.size, request.mode);
      images.set(decoded.pixels, i * imageBytes);
      if (boxes) boxes.set(mapBox(entries[i].box!, decoded.mapping, request.size), i * 4);
      if (++done % tenth === 0 && done < count) progress?.(`${what}: ${done}/${count} decoded`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  const split: ImageSplit = boxes ? { images, labels, count, boxes } : { images, labels, count };
  if (count > 0) writeDecodedCache(cacheFile, shape, split);
  return split;
}

function entriesDigest(entries: readonly ImageEntry[], request: DecodeRequest): string {
  const hash = createHash('sha256');
  hash.update(`${request.mode}\n`);
  for (const e of entries) hash.update(`${e.file}\t${e.label}\t${e.box ? e.box.join(',') : ''}\n`);
  return hash.digest('hex');
}
