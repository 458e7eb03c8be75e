// Average pooling against a float64 reference written out here (window by window, in JavaScript
// doubles) and its gradient by central finite differences, not against tfjs's cpu backend: cpu's
// and wasm's AvgPoolGrad divide by the whole window at the borders of 'same' padding, which the
// forward does not (it averages the pixels inside the image, as TensorFlow does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as ops from '../../src/engine/ops';
import { axisWindow, type Padding } from '../../src/engine/ops/padding';
import { Rng } from '../../src/engine/rng';
import { useBackend } from '../helpers/backend';

interface Shape {
  b: number;
  h: number;
  w: number;
  c: number;
}

/** avg pool in doubles: 'same'/'valid' average the in-image pixels, a number counts its zero padding (PyTorch). */
function referencePool(x: Float64Array, s: Shape, size: number, stride: number, pad: Padding): { out: Float64Array; oh: number; ow: number } {
  const rows = axisWindow(s.h, size, stride, pad);
  const cols = axisWindow(s.w, size, stride, pad);
  const out = new Float64Array(s.b * rows.out * cols.out * s.c);
  for (let n = 0; n < s.b; n++) {
    for (let i = 0; i < rows.out; i++) {
      for (let j = 0; j < cols.out; j++) {
        for (let ch = 0; ch < s.c; ch++) {
          let sum = 0;
          let count = 0;
          for (let r = i * stride - rows.before; r < i * stride - rows.before + size; r++) {
            for (let q = j * stride - cols.before; q < j * stride - cols.before + size; q++) {
              const inside = r >= 0 && r < s.h && q >= 0 && q < s.w;
              if (inside) sum += x[((n * s.h + r) * s.w + q) * s.c + ch];
              if (inside || typeof pad === 'number') count++;
            }
          }
          out[((n * rows.out + i) * cols.out + j) * s.c + ch] = sum / count;
        }
      }
    }
  }
  return { out, oh: rows.out, ow: cols.out };
}

/** d(sum(cotangent * pool(x)))/dx by central differences (the function is linear: exact up to rounding). */
function finiteDifferenceGrad(x: Float64Array, s: Shape, size: number, stride: number, pad: Padding, cotangent: Float64Array): Float64Array {
  const f = (v: Float64Array) => referencePool(v, s, size, stride, pad).out.reduce((acc, o, k) => acc + o * cotangent[k], 0);
  const grad = new Float64Array(x.length);
  const h = 1e-3;
  for (let k = 0; k < x.length; k++) {
    const plus = Float64Array.from(x);
    const minus = Float64Array.from(x);
    plus[k] += h;
    minus[k] -= h;
    grad[k] = (f(plus) - f(minus)) / (2 * h);
  }
  return grad;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let k = 0; k < expected.length; k++) {
    assert.ok(Math.abs(actual[k] - expected[k]) <= 1e-5 * (1 + Math.abs(expected[k])), `${what}: element ${k} is ${actual[k]}, float64 ${expected[k]}`);
  }
}

const CASES: { s: Shape; size: number; stride: number; pad: Padding }[] = [
  { s: { b: 1, h: 3, w: 3, c: 1 }, size: 3, stride: 1, pad: 'same' }, // the corner of the issue: 0.694, not 4/9
  { s: { b: 2, h: 7, w: 6, c: 3 }, size: 3, stride: 2, pad: 'same' },
  { s: { b: 1, h: 6, w: 5, c: 2 }, size: 3, stride: 1, pad: 'same' },
  { s: { b: 1, h: 8, w: 8, c: 2 }, size: 4, stride: 2, pad: 'same' },
  { s: { b: 1, h: 5, w: 6, c: 2 }, size: 2, stride: 1, pad: 'same' }, // padding after only
  { s: { b: 2, h: 7, w: 8, c: 2 }, size: 3, stride: 2, pad: 1 },
  { s: { b: 1, h: 6, w: 7, c: 2 }, size: 3, stride: 2, pad: 'valid' },
  { s: { b: 1, h: 6, w: 6, c: 2 }, size: 2, stride: 2, pad: 'same' },
];

for (const backend of ['wasm', 'cpu'] as const) {
  for (const { s, size, stride, pad } of CASES) {
    test(`avgPool ${size}x${size} stride ${stride} pad ${pad} on ${s.h}x${s.w} [${backend}]: forward and gradient equal float64 and finite differences`, async () => {
      await useBackend(backend);
      const rng = new Rng(size * 100 + s.h * 10 + s.w);
      const x = Float64Array.from({ length: s.b * s.h * s.w * s.c }, () => rng.normal());
      const { out, oh, ow } = referencePool(x, s, size, stride, pad);
      const cotangent = Float64Array.from({ length: out.length }, () => rng.normal());
      const expectedGrad = finiteDifferenceGrad(x, s, size, stride, pad, cotangent);
      const { value, grad } = tf.tidy(() => {
        const input = tf.tensor4d(Float32Array.from(x), [s.b, s.h, s.w, s.c]);
        const cot = tf.tensor4d(Float32Array.from(cotangent), [s.b, oh, ow, s.c]);
        const pooled = ops.avgPool(input, size, stride, pad);
        const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(ops.avgPool(v as tf.Tensor4D, size, stride, pad), cot)))(input);
        return { value: pooled.dataSync(), grad: g.dataSync() };
      });
      assertClose(value, out, 'forward');
      assertClose(grad, expectedGrad, 'gradient');
    });
  }
}

test('the 3x3 stride-1 same corner: the gradient of the sum is 1/4 + 1/6 + 1/6 + 1/9', async () => {
  await useBackend('wasm');
  const grad = tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(ops.avgPool(v as tf.Tensor4D, 3, 1, 'same')))(tf.ones([1, 3, 3, 1])).dataSync());
  assert.ok(Math.abs(grad[0] - (1 / 4 + 1 / 6 + 1 / 6 + 1 / 9)) < 1e-6, `corner ${grad[0]}`);
  assert.ok(Math.abs(grad[4] - (4 / 4 + 4 / 6 + 1 / 9)) < 1e-6, `centre ${grad[4]}`); // in all nine windows
});
