// Every op of src/engine/ops.ts, forward and gradient w.r.t. every input, on each test backend
// (test/helpers/backend.ts), against float64: plain-loop forwards, the closed-form gradients of
// convolution and batch norm, and finite differences of the float64 forward for the rest.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as ops from '../../src/engine/ops';
import { batchNormReference, convReference, window1d } from '../engine/native-reference';
import { forEachBackend, type TestBackend } from '../helpers/backend';
import { adaptiveAvgPool64, avgPool64, finiteDifferences, maxPool64, type Forward64 } from './float64-reference';
import { seededInputs, type InputSpec } from './seeded-inputs';

const RTOL = 1e-4;

type Differentiable = (...inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

interface Case {
  name: string;
  inputs: InputSpec[];
  ours: Differentiable;
  /** Float64 outputs (the first is differentiated). */
  forward64: Forward64;
  /** Closed-form float64 gradients of sum(output0 * u), when known; else finite differences of forward64. */
  grads64?: (inputs: Float64Array[], u: Float64Array) => Float64Array[];
  /** At most this share of gradient elements may sit on a kink (no derivative) and be skipped. */
  maxKinkShare?: number;
  /** Backends on which only the forward is checked, with the reason. */
  forwardOnlyOn?: Partial<Record<TestBackend, string>>;
}

const asArray = (out: tf.Tensor | tf.Tensor[]): tf.Tensor[] => (Array.isArray(out) ? out : [out]);

/** Ours on the active backend: the outputs and d(sum(output0 * u))/d(each input), read with awaits. */
async function evaluateOurs(c: Case, values: Float32Array[], u: Float32Array, withGrads: boolean): Promise<{ outputs: Float32Array[]; grads: Float32Array[] }> {
  const { outputs, grads } = tf.tidy(() => {
    const inputs = c.inputs.map((s, i) => tf.tensor(values[i], s.shape));
    const outputs = asArray(c.ours(...inputs));
    const cotangent = tf.tensor(u, outputs[0].shape);
    if (!withGrads) return { outputs, grads: [] };
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(asArray(c.ours(...xs))[0], cotangent)))(inputs);
    return { outputs, grads };
  });
  const read = async (ts: tf.Tensor[]) => Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));
  try {
    return { outputs: await read(outputs), grads: await read(grads) };
  } finally {
    tf.dispose([...outputs, ...grads]);
  }
}

/** |actual - expected| <= rtol * (|expected| + max|expected|) elementwise; NaN in expected (a kink) is skipped. */
function assertClose(actual: Float32Array, expected: Float64Array, rtol: number, what: string): number {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs ${expected.length}`);
  let scale = 0;
  for (const v of expected) if (!Number.isNaN(v)) scale = Math.max(scale, Math.abs(v));
  let skipped = 0;
  for (let i = 0; i < expected.length; i++) {
    if (Number.isNaN(expected[i])) {
      skipped++;
      continue;
    }
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= rtol * (Math.abs(expected[i]) + scale))) {
      assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} (scale ${scale}, rtol ${rtol})`);
    }
  }
  return skipped;
}

function checkCase(c: Case, seed: number): void {
  // The float64 reference does not depend on the backend: computed once, on first use.
  let reference: { values: Float32Array[]; u: Float32Array; outputs: Float64Array[]; grads: Float64Array[] } | undefined;
  const referenceOf = () => {
    if (reference) return reference;
    const values = seededInputs(c.inputs, seed);
    const wide = () => values.map((v) => Float64Array.from(v));
    const outputs = c.forward64(wide());
    const u = seededInputs([{ shape: [outputs[0].length] }], seed + 1)[0];
    const u64 = Float64Array.from(u);
    const grads = c.grads64 ? c.grads64(wide(), u64) : c.inputs.map((_, k) => finiteDifferences(c.forward64, wide(), u64, k));
    reference = { values, u, outputs, grads };
    return reference;
  };
  forEachBackend(c.name, async (backend, t) => {
    const ref = referenceOf();
    const forwardOnly = c.forwardOnlyOn?.[backend];
    if (forwardOnly) t.diagnostic(`forward only on ${backend}: ${forwardOnly}`);
    const ours = await evaluateOurs(c, ref.values, ref.u, !forwardOnly);
    assert.equal(ours.outputs.length, ref.outputs.length);
    ours.outputs.forEach((o, i) => assertClose(o, ref.outputs[i], RTOL, `${c.name} [${backend}] output ${i}`));
    ours.grads.forEach((g, i) => {
      const skipped = assertClose(g, ref.grads[i], RTOL, `${c.name} [${backend}] gradient w.r.t. input ${i}`);
      const share = skipped / g.length;
      assert.ok(share <= (c.maxKinkShare ?? 0.02), `${c.name}: ${skipped} of ${g.length} gradient elements sit on a kink`);
    });
  });
}

// ---- convolution ------------------------------------------------------------------------------
interface ConvCase {
  h: number;
  w: number;
  k: number;
  stride: number;
  pad: ops.Padding;
  cin?: number;
  cout?: number;
  groups?: number;
}

const convCases: ConvCase[] = [
  { h: 6, w: 5, k: 3, stride: 1, pad: 'same' },
  { h: 7, w: 8, k: 3, stride: 2, pad: 'same' },
  { h: 8, w: 8, k: 3, stride: 2, pad: 'same' },
  { h: 8, w: 7, k: 3, stride: 2, pad: 1 },
  { h: 7, w: 7, k: 3, stride: 1, pad: 1 },
  { h: 5, w: 6, k: 3, stride: 1, pad: 'valid' },
  { h: 8, w: 9, k: 3, stride: 2, pad: 'valid' },
  { h: 5, w: 5, k: 3, stride: 1, pad: 2 },
  { h: 5, w: 4, k: 1, stride: 1, pad: 'valid' },
  { h: 8, w: 7, k: 1, stride: 2, pad: 'valid' },
  { h: 6, w: 6, k: 1, stride: 2, pad: 'same' },
  { h: 4, w: 5, k: 1, stride: 1, pad: 1 },
  { h: 12, w: 11, k: 7, stride: 2, pad: 3, cin: 3, cout: 4 },
  // the last stages of ImageNet-style nets on 32 px inputs: maps of 2x2 and 1x1
  { h: 2, w: 2, k: 3, stride: 2, pad: 1 },
  { h: 1, w: 1, k: 3, stride: 1, pad: 1 },
  { h: 2, w: 2, k: 1, stride: 2, pad: 'valid' },
  { h: 6, w: 6, k: 3, stride: 1, pad: 1, cin: 4, cout: 6, groups: 2 },
  { h: 7, w: 6, k: 3, stride: 2, pad: 1, cin: 8, cout: 8, groups: 4 },
  { h: 5, w: 5, k: 1, stride: 1, pad: 'valid', cin: 6, cout: 9, groups: 3 },
  // groups of 8 input channels: the split/concat form (narrower groups: the block-diagonal filter)
  { h: 5, w: 6, k: 3, stride: 2, pad: 1, cin: 16, cout: 8, groups: 2 },
];

convCases.forEach((c, i) => {
  const groups = c.groups ?? 1;
  const cin = c.cin ?? 3;
  const cout = c.cout ?? 4;
  const spec = { batch: 2, h: c.h, w: c.w, cin, cout, k: c.k, stride: c.stride, pad: c.pad, groups };
  const outSize = 2 * window1d(c.h, c.k, c.stride, c.pad).out * window1d(c.w, c.k, c.stride, c.pad).out * cout;
  checkCase({
    name: `conv2d ${c.k}x${c.k} stride ${c.stride} pad ${c.pad} groups ${groups} on ${c.h}x${c.w}x${cin} -> ${cout}`,
    inputs: [{ shape: [2, c.h, c.w, cin] }, { shape: [c.k, c.k, cin / groups, cout] }],
    ours: (x, w) => ops.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, { strides: c.stride, pad: c.pad, groups }),
    forward64: ([x, w]) => [convReference(spec, x, w, new Float64Array(outSize)).y],
    grads64: ([x, w], u) => {
      const r = convReference(spec, x, w, u);
      return [r.dx, r.dw];
    },
  }, 100 + i);
});

// ---- batch norm -------------------------------------------------------------------------------
const EPS = 1e-5;
const relu64 = (v: Float64Array) => v.map((x) => Math.max(x, 0));
const BN_SHAPES = [[2, 3, 4, 5], [3, 5, 5, 2], [4, 1, 1, 3], [1, 1, 1, 2]];
for (const relu of [false, true]) {
  for (const [i, shape] of BN_SHAPES.entries()) {
    const c = shape[3];
    checkCase({
      name: `batchNormTrain${relu ? ' + ReLU' : ''} on ${shape.join('x')}`,
      inputs: [{ shape }, { shape: [c], kind: 'positive' }, { shape: [c] }],
      ours: (x, g, b) => {
        const r = ops.batchNormTrain(x as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, EPS, { relu });
        return [r.y, r.mean, r.variance];
      },
      forward64: ([x, g, b]) => {
        const r = batchNormReference(x, c, g, b, new Float64Array(x.length), EPS);
        return [relu ? relu64(r.y) : r.y, r.mean, r.variance];
      },
      grads64: ([x, g, b], u) => {
        // ReLU after batch norm: the upstream gradient passes where the normalised value is > 0.
        const pre = batchNormReference(x, c, g, b, new Float64Array(x.length), EPS).y;
        const upstream = relu ? u.map((v, k) => (pre[k] > 0 ? v : 0)) : u;
        const r = batchNormReference(x, c, g, b, upstream, EPS);
        return [r.dx, r.dgamma, r.dbeta];
      },
      // One value per channel: the batch mean itself (a single pixel, or all-equal inputs) is exact.
    }, 200 + i + (relu ? BN_SHAPES.length : 0));
  }

  checkCase({
    name: `batchNormInfer${relu ? ' + ReLU' : ''} with running statistics`,
    inputs: [{ shape: [2, 3, 3, 4] }, { shape: [4], kind: 'positive' }, { shape: [4] }, { shape: [4] }, { shape: [4], kind: 'positive' }],
    forwardOnlyOn: { 'wasm+onednn': 'the native inference batch norm has no gradient (evaluation only; training uses batchNormTrain)' },
    ours: (x, g, b, m, v) => ops.batchNormInfer(
      x as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, m as tf.Tensor1D, v as tf.Tensor1D, EPS, { relu },
    ),
    forward64: ([x, g, b, m, v]) => {
      const y = x.map((value, k) => ((value - m[k % 4]) / Math.sqrt(v[k % 4] + EPS)) * g[k % 4] + b[k % 4]);
      return [relu ? relu64(y) : y];
    },
  }, relu ? 251 : 250);
}

// ---- pooling ----------------------------------------------------------------------------------
interface PoolCase {
  h: number;
  w: number;
  size: number;
  stride: number;
  pad: ops.Padding;
}

const poolCases: PoolCase[] = [
  { h: 7, w: 8, size: 3, stride: 2, pad: 1 },
  { h: 8, w: 8, size: 3, stride: 2, pad: 1 },
  { h: 7, w: 6, size: 3, stride: 2, pad: 'same' },
  { h: 6, w: 7, size: 2, stride: 2, pad: 'valid' },
  { h: 5, w: 5, size: 3, stride: 1, pad: 1 },
  { h: 6, w: 6, size: 2, stride: 2, pad: 'same' },
  { h: 7, w: 8, size: 3, stride: 3, pad: 0 },
  { h: 6, w: 5, size: 3, stride: 1, pad: 'same' },
];

poolCases.forEach((p, i) => {
  const shape = [2, p.h, p.w, 3];
  checkCase({
    name: `maxPool ${p.size}x${p.size} stride ${p.stride} pad ${p.pad} on ${p.h}x${p.w}`,
    inputs: [{ shape }],
    ours: (x) => ops.maxPool(x as tf.Tensor4D, p.size, p.stride, p.pad),
    forward64: ([x]) => [maxPool64(x, shape, p.size, p.stride, p.pad)],
  }, 300 + i);
  checkCase({
    name: `avgPool ${p.size}x${p.size} stride ${p.stride} pad ${p.pad} on ${p.h}x${p.w}`,
    inputs: [{ shape }],
    ours: (x) => ops.avgPool(x as tf.Tensor4D, p.size, p.stride, p.pad),
    forward64: ([x]) => [avgPool64(x, shape, p.size, p.stride, p.pad)],
  }, 350 + i);
});

// wasm's own MaxPoolGrad fails exactly here: windows whose maximum is <= 0, and ties (ReLU zeros).
// At a tie the maximum has no derivative (those elements are skipped); every other one is checked.
for (const [i, kind] of (['negative', 'relu'] as const).entries()) {
  const shape = [2, 7, 6, 3];
  checkCase({
    name: `maxPool 3x3 stride 2 pad 1 on ${kind} inputs`,
    inputs: [{ shape, kind }],
    ours: (x) => ops.maxPool(x as tf.Tensor4D, 3, 2, 1),
    forward64: ([x]) => [maxPool64(x, shape, 3, 2, 1)],
    maxKinkShare: kind === 'relu' ? 0.6 : 0.02,
  }, 380 + i);
}

for (const [i, [h, w, outH, outW]] of [[7, 7, 4, 4], [6, 5, 4, 3], [8, 8, 4, 4], [5, 7, 2, 3], [3, 3, 4, 4]].entries()) {
  const shape = [2, h, w, 3];
  checkCase({
    name: `adaptiveAvgPool ${h}x${w} -> ${outH}x${outW}`,
    inputs: [{ shape }],
    ours: (x) => ops.adaptiveAvgPool(x as tf.Tensor4D, outH, outW),
    forward64: ([x]) => [adaptiveAvgPool64(x, shape, outH, outW)],
  }, 400 + i);
}

checkCase({
  name: 'globalAvgPool',
  inputs: [{ shape: [2, 5, 3, 4] }],
  ours: (x) => ops.globalAvgPool(x as tf.Tensor4D),
  forward64: ([x]) => [adaptiveAvgPool64(x, [2, 5, 3, 4], 1, 1)],
}, 450);

// ---- relu, linear -----------------------------------------------------------------------------
checkCase({
  name: 'relu',
  inputs: [{ shape: [2, 3, 3, 4] }],
  ours: (x) => ops.relu(x),
  forward64: ([x]) => [relu64(x)],
}, 500);

checkCase({
  name: 'linear with bias',
  inputs: [{ shape: [3, 5] }, { shape: [5, 4] }, { shape: [4] }],
  ours: (x, w, b) => ops.linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D),
  forward64: ([x, w, b]) => {
    const y = new Float64Array(12);
    for (let r = 0; r < 3; r++) for (let o = 0; o < 4; o++) {
      let s = b[o];
      for (let k = 0; k < 5; k++) s += x[r * 5 + k] * w[k * 4 + o];
      y[r * 4 + o] = s;
    }
    return [y];
  },
}, 510);
