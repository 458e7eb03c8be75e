// Every op of src/engine/ops.ts, forward and gradients w.r.t. every input, on the wasm backend
// against tf's own ops and gradients on the cpu backend (an independent formulation where cpu's tf
// has no direct equivalent or is wrong: grouped conv as split/concat, adaptive pooling as per-bin
// means, 'same' average pooling as per-window means; float64 checks in avg-pool.test.ts).
// Our ops also run on cpu, so the custom gradients are checked on both backends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as ops from '../../src/engine/ops';
import { adaptiveBins } from '../../src/engine/ops/pooling';
import { axisWindow, type AxisWindow } from '../../src/engine/ops/padding';
import { assertSameEvaluation, evaluate, seededInputs, type Differentiable, type InputSpec } from './backend-comparison';

const RTOL = 1e-4;

interface Case {
  name: string;
  inputs: InputSpec[];
  ours: Differentiable;
  reference: Differentiable;
}

function checkCase(c: Case, seed: number): void {
  test(c.name, async () => {
    const values = seededInputs(c.inputs, seed);
    const expected = await evaluate('cpu', c.reference, c.inputs, values, seed);
    const onCpu = await evaluate('cpu', c.ours, c.inputs, values, seed);
    assertSameEvaluation(onCpu, expected, RTOL, `${c.name} [cpu]`);
    const onWasm = await evaluate('wasm', c.ours, c.inputs, values, seed);
    assertSameEvaluation(onWasm, expected, RTOL, `${c.name} [wasm]`);
  });
}

// ---- convolution ------------------------------------------------------------------------------
type Pad4D = [[number, number], [number, number], [number, number], [number, number]];

function tfPadding(pad: ops.Padding): 'same' | 'valid' | Pad4D {
  return typeof pad === 'number' ? [[0, 0], [pad, pad], [pad, pad], [0, 0]] : pad;
}

function referenceConv(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: ops.Padding, groups: number): tf.Tensor4D {
  if (groups === 1) return tf.conv2d(x, w, stride, tfPadding(pad));
  const xs = tf.split(x, groups, 3) as tf.Tensor4D[];
  const ws = tf.split(w, groups, 3) as tf.Tensor4D[];
  return tf.concat(xs.map((xi, i) => tf.conv2d(xi, ws[i], stride, tfPadding(pad))), 3);
}

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
  checkCase({
    name: `conv2d ${c.k}x${c.k} stride ${c.stride} pad ${c.pad} groups ${groups} on ${c.h}x${c.w}x${cin} -> ${cout}`,
    inputs: [{ shape: [2, c.h, c.w, cin] }, { shape: [c.k, c.k, cin / groups, cout] }],
    ours: (x, w) => ops.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, { strides: c.stride, pad: c.pad, groups }),
    reference: (x, w) => referenceConv(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad, groups),
  }, 100 + i);
});

// ---- batch norm -------------------------------------------------------------------------------
const EPS = 1e-5;
const maybeRelu = (y: tf.Tensor, relu: boolean): tf.Tensor => (relu ? tf.relu(y) : y);
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
      reference: (x, g, b) => {
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        return [maybeRelu(tf.batchNorm(x as tf.Tensor4D, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, EPS), relu), mean, variance];
      },
    }, 200 + i + (relu ? BN_SHAPES.length : 0));
  }

  checkCase({
    name: `batchNormInfer${relu ? ' + ReLU' : ''} with running statistics`,
    inputs: [{ shape: [2, 3, 3, 4] }, { shape: [4], kind: 'positive' }, { shape: [4] }, { shape: [4] }, { shape: [4], kind: 'positive' }],
    ours: (x, g, b, m, v) => ops.batchNormInfer(
      x as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, m as tf.Tensor1D, v as tf.Tensor1D, EPS, { relu },
    ),
    reference: (x, g, b, m, v) => maybeRelu(tf.add(tf.mul(tf.div(tf.sub(x, m), tf.sqrt(tf.add(v, EPS))), g), b), relu),
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
];

/** 'same' average pooling written out window by window: the mean of the in-image part of each. */
function referenceSameAvg(x: tf.Tensor4D, size: number, stride: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const part = (n: number, axis: AxisWindow, i: number) => {
    const start = Math.max(i * stride - axis.before, 0);
    return [start, Math.min(i * stride - axis.before + size, n) - start];
  };
  const rows = axisWindow(h, size, stride, 'same');
  const cols = axisWindow(w, size, stride, 'same');
  return tf.concat(Array.from({ length: rows.out }, (_, i) => {
    const [r0, rh] = part(h, rows, i);
    return tf.concat(Array.from({ length: cols.out }, (_, j) => {
      const [c0, cw] = part(w, cols, j);
      return tf.mean(tf.slice(x, [0, r0, c0, 0], [b, rh, cw, c]), [1, 2], true);
    }), 2);
  }), 1) as tf.Tensor4D;
}

poolCases.forEach((p, i) => {
  const inputs = [{ shape: [2, p.h, p.w, 3] }];
  checkCase({
    name: `maxPool ${p.size}x${p.size} stride ${p.stride} pad ${p.pad} on ${p.h}x${p.w}`,
    inputs,
    ours: (x) => ops.maxPool(x as tf.Tensor4D, p.size, p.stride, p.pad),
    // tf's own numeric pad ignores padded cells in the max: the same as padding with -Infinity.
    reference: (x) => tf.maxPool(x as tf.Tensor4D, p.size, p.stride, p.pad),
  }, 300 + i);
  checkCase({
    name: `avgPool ${p.size}x${p.size} stride ${p.stride} pad ${p.pad} on ${p.h}x${p.w}`,
    inputs,
    ours: (x) => ops.avgPool(x as tf.Tensor4D, p.size, p.stride, p.pad),
    // PyTorch's count_include_pad: the window sum over the zero-padded input over size^2. 'same':
    // the mean of each window's in-image pixels, window by window (tf.avgPool's cpu gradient
    // divides by the whole window at the borders; see avg-pool.test.ts).
    reference: (x) => typeof p.pad === 'number'
      ? tf.div(tf.conv2d(
        x as tf.Tensor4D, tf.reshape(tf.tile(tf.reshape(tf.eye(3), [1, 1, 3, 3]), [p.size, p.size, 1, 1]), [p.size, p.size, 3, 3]) as tf.Tensor4D,
        p.stride, tfPadding(p.pad)), p.size * p.size)
      : p.pad === 'same' ? referenceSameAvg(x as tf.Tensor4D, p.size, p.stride) : tf.avgPool(x as tf.Tensor4D, p.size, p.stride, p.pad),
  }, 350 + i);
});

// wasm's own MaxPoolGrad fails exactly here: windows whose maximum is <= 0, and ties (ReLU zeros).
for (const [i, kind] of (['negative', 'relu'] as const).entries()) {
  checkCase({
    name: `maxPool 3x3 stride 2 pad 1 on ${kind} inputs`,
    inputs: [{ shape: [2, 7, 6, 3], kind }],
    ours: (x) => ops.maxPool(x as tf.Tensor4D, 3, 2, 1),
    reference: (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 1),
  }, 380 + i);
}

/** Adaptive pooling written out bin by bin. */
function referenceAdaptive(x: tf.Tensor4D, outH: number, outW: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const rows = adaptiveBins(h, outH).map(([r0, r1]) =>
    tf.concat(adaptiveBins(w, outW).map(([c0, c1]) => tf.mean(tf.slice(x, [0, r0, c0, 0], [b, r1 - r0, c1 - c0, c]), [1, 2], true)), 2));
  return tf.concat(rows, 1) as tf.Tensor4D;
}

for (const [i, [h, w, outH, outW]] of [[7, 7, 4, 4], [6, 5, 4, 3], [8, 8, 4, 4], [5, 7, 2, 3], [3, 3, 4, 4]].entries()) {
  checkCase({
    name: `adaptiveAvgPool ${h}x${w} -> ${outH}x${outW}`,
    inputs: [{ shape: [2, h, w, 3] }],
    ours: (x) => ops.adaptiveAvgPool(x as tf.Tensor4D, outH, outW),
    reference: (x) => referenceAdaptive(x as tf.Tensor4D, outH, outW),
  }, 400 + i);
}

checkCase({
  name: 'globalAvgPool',
  inputs: [{ shape: [2, 5, 3, 4] }],
  ours: (x) => ops.globalAvgPool(x as tf.Tensor4D),
  reference: (x) => tf.mean(x, [1, 2]),
}, 450);

// ---- relu, linear -----------------------------------------------------------------------------
checkCase({
  name: 'relu',
  inputs: [{ shape: [2, 3, 3, 4] }],
  ours: (x) => ops.relu(x),
  reference: (x) => tf.maximum(x, 0),
}, 500);

checkCase({
  name: 'linear with bias',
  inputs: [{ shape: [3, 5] }, { shape: [5, 4] }, { shape: [4] }],
  ours: (x, w, b) => ops.linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D),
  reference: (x, w, b) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b),
}, 510);

test('adaptiveBins follows PyTorch (7 -> 4: [0,2) [1,4) [3,6) [5,7))', () => {
  assert.deepEqual(adaptiveBins(7, 4), [[0, 2], [1, 4], [3, 6], [5, 7]]);
});
