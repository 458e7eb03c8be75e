// Named variables <-> one flat Float32Array, in a fixed order (the order of the list), which is how
// gradients, batch-norm statistics and whole replica states travel between threads.
import * as tf from '@tensorflow/tfjs';
import type { NamedVariable } from '../../models/model';

export function totalSize(variables: readonly NamedVariable[]): number {
  return variables.reduce((n, v) => n + v.variable.size, 0);
}

/** The variables' values, concatenated (awaited reads: no backend blocks the thread). */
export async function flattenVariables(variables: readonly NamedVariable[]): Promise<Float32Array> {
  const out = new Float32Array(totalSize(variables));
  const values = await Promise.all(variables.map(({ variable }) => variable.data() as Promise<Float32Array>));
  let offset = 0;
  values.forEach((v) => {
    out.set(v, offset);
    offset += v.length;
  });
  return out;
}

/** Assigns consecutive slices of `values` to the variables; the sizes must add up. */
export function assignFlat(variables: readonly NamedVariable[], values: Float32Array, offset = 0): number {
  for (const { variable } of variables) {
    const slice = values.subarray(offset, offset + variable.size);
    tf.tidy(() => variable.assign(tf.tensor(slice, variable.shape)));
    offset += variable.size;
  }
  return offset;
}

/**
 * sum_i weights[i] * vectors[i], accumulated in float64 in replica order, so every run of the same
 * split gives the same bits. With weights = share of the batch, per-part mean gradients average to
 * the full-batch mean gradient.
 */
export function weightedSum(vectors: readonly Float32Array[], weights: readonly number[]): Float32Array {
  const length = vectors[0].length;
  const acc = new Float64Array(length);
  vectors.forEach((vector, i) => {
    if (vector.length !== length) throw new Error(`weightedSum: vector ${i} has ${vector.length} values, expected ${length}`);
    const w = weights[i];
    if (w === 0) return;
    for (let j = 0; j < length; j++) acc[j] += w * vector[j];
  });
  return Float32Array.from(acc);
}
