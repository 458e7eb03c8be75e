// trainLimit / testLimit: a class-balanced, seeded subset of a split.
import { UserError } from '../errors';
import { Rng } from '../engine/rng';
import type { ImageSplit } from './dataset';

/**
 * Indices (ascending) of `limit` items whose class counts differ by at most one, except where a class
 * runs out of items. Classes take turns in a seeded order, each giving a seeded random item of its own,
 * so the same seed picks the same items and a larger limit keeps every item of a smaller one.
 */
export function balancedSubsetIndices(labels: ArrayLike<number>, limit: number, seed: number): Int32Array {
  if (!Number.isInteger(limit) || limit < 1) throw new UserError(`limit must be a positive integer, got ${limit}`);
  if (limit >= labels.length) return Int32Array.from({ length: labels.length }, (_, i) => i);
  const rng = new Rng(seed);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const members = byClass.get(labels[i]);
    if (members) members.push(i);
    else byClass.set(labels[i], [i]);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const queues = classes.map((c) => {
    const members = byClass.get(c)!;
    const order = rng.permutation(members.length);
    return Array.from(order, (k) => members[k]);
  });
  const turnOrder = rng.permutation(classes.length);
  const chosen: number[] = [];
  for (let round = 0; chosen.length < limit; round++) {
    for (let t = 0; t < turnOrder.length && chosen.length < limit; t++) {
      const queue = queues[turnOrder[t]];
      if (round < queue.length) chosen.push(queue[round]);
    }
  }
  return Int32Array.from(chosen.sort((a, b) => a - b));
}

/** The images (and boxes) of `split` at `indices`, in that order. */
export function selectFromSplit(split: ImageSplit, indices: ArrayLike<number>, imageBytes: number): ImageSplit {
  const count = indices.length;
  const images = new Uint8Array(count * imageBytes);
  const labels = new Int32Array(count);
  const boxes = split.boxes ? new Float32Array(count * 4) : undefined;
  for (let k = 0; k < count; k++) {
    const i = indices[k];
    images.set(split.images.subarray(i * imageBytes, (i + 1) * imageBytes), k * imageBytes);
    labels[k] = split.labels[i];
    if (boxes && split.boxes) boxes.set(split.boxes.subarray(i * 4, i * 4 + 4), k * 4);
  }
  return boxes ? { images, labels, count, boxes } : { images, labels, count };
}

/** `split` cut down to a balanced subset of `limit` images, or unchanged when limit is unset or not smaller. */
export function limitSplit(split: ImageSplit, limit: number | undefined, seed: number, imageBytes: number): ImageSplit {
  if (limit === undefined || limit >= split.count) return split;
  return selectFromSplit(split, balancedSubsetIndices(split.labels, limit, seed), imageBytes);
}
