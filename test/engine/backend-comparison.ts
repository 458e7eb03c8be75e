// Runs one function and its gradients on two backends from the same seeded inputs, and compares.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/rng';
import { useBackend } from '../helpers/backend';

export interface InputSpec {
  shape: number[];
  /**
   * 'normal' (default); 'positive': uniform in [0.5, 1.5] (e.g. a batch-norm scale); 'negative':
   * -|normal|; 'relu': max(normal, 0), half of it tied zeros.
   */
  kind?: 'normal' | 'positive' | 'negative' | 'relu';
}

/** f's outputs (the first is differentiated; the others, e.g. batch statistics, only compared). */
export type Differentiable = (...inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

export interface Evaluation {
  outputs: Float32Array[];
  /** d(sum(output0 * cotangent))/d(input i), one per input. */
  grads: Float32Array[];
}

export function seededInputs(specs: InputSpec[], seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return specs.map(({ shape, kind }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return Float32Array.from({ length: size }, () => {
      if (kind === 'positive') return 0.5 + rng.uniform();
      const v = rng.normal();
      if (kind === 'negative') return -Math.abs(v);
      if (kind === 'relu') return Math.max(v, 0);
      return v;
    });
  });
}

function asArray(out: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(out) ? out : [out];
}

/** Evaluates f and the gradient of a seeded random projection of its first output on `backend`. */
export async function evaluate(
  backend: 'wasm' | 'cpu', f: Differentiable, specs: InputSpec[], values: Float32Array[], seed: number,
): Promise<Evaluation> {
  await useBackend(backend);
  return tf.tidy(() => {
    const inputs = specs.map((s, i) => tf.tensor(values[i], s.shape));
    const outputs = asArray(f(...inputs));
    const cotangent = tf.tensor(seededInputs([{ shape: outputs[0].shape }], seed + 1)[0], outputs[0].shape);
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(asArray(f(...xs))[0], cotangent)))(inputs);
    return { outputs: outputs.map((o) => o.dataSync() as Float32Array), grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

/** Elementwise |actual - expected| <= rtol * (|expected| + max|expected|). */
export function assertClose(actual: Float32Array, expected: Float32Array, rtol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs ${expected.length}`);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= rtol * (Math.abs(expected[i]) + scale))) {
      assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} (scale ${scale}, rtol ${rtol})`);
    }
  }
}

export function assertSameEvaluation(actual: Evaluation, expected: Evaluation, rtol: number, name: string): void {
  assert.equal(actual.outputs.length, expected.outputs.length);
  actual.outputs.forEach((o, i) => assertClose(o, expected.outputs[i], rtol, `${name} output ${i}`));
  actual.grads.forEach((g, i) => assertClose(g, expected.grads[i], rtol, `${name} gradient w.r.t. input ${i}`));
}
