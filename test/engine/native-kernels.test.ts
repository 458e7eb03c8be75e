// The native oneDNN kernels (src/engine/native) that the engine's ops dispatch to on the wasm
// backend: each op on the native path against the wasm-only path (the switch flipped in this
// process), the cpu backend's tf ops and a float64 reference (./native-reference.ts); gradients
// requested for some inputs only; tensor and wasm-heap bookkeeping; errors; and the availability
// rule. A kernel spy checks every comparison really ran the path it names.
//
// Availability: without the addon (native/build/gridmix_native.node, built by
// scripts/build-native.js where libdnnl-dev is present) each native test skips with the reason,
// except under GRIDMIX_REQUIRE_NATIVE=1 (set by CI), where a missing addon fails them.
//
// State: the native kernels are off again after every test (other test files assume they are), and
// the wasm backend is the current one.
import { after, afterEach, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as ops from '../../src/engine/ops';
import { disableNativeKernels, enableNativeKernels, nativeKernelsActive, type NativeEnable } from '../../src/engine/native';
import { NATIVE_ADD_MIN_SIZE, NATIVE_KERNEL_NAMES } from '../../src/engine/native/kernels';
import { loadNativeAddon } from '../../src/engine/native/addon';
import { Rng } from '../../src/engine/rng';
import { useBackend } from '../helpers/backend';
import { batchNormReference, convOutputShape, convReference, relativeError, window1d, type ConvSpec } from './native-reference';

// ---- tolerances ---------------------------------------------------------------------------------
// Errors are max |a - b| / max |b| (relativeError). A float32 sum of K products of O(1) values has
// a rounding error of about sqrt(K) * 2^-24 relative to its scale when the rounding errors are
// random, and every accumulation order (oneDNN's blocking, XNNPACK's, tf cpu's loops) is one such
// sum. The longest sums here are the 7x7x3 = 147-term forward of the stem case and the filter
// gradients over B*Ho*Wo <= 84 outputs: sqrt(147) * 2^-24 = 7e-7. 1e-5 leaves >10x headroom over
// that (the measured maxima, reported per test with t.diagnostic, are 0.5-5e-7) and is still far
// below what any indexing mistake gives: one wrong, missing or extra term is ~1/sqrt(K) >= 8% of
// the scale.
const CONV_RTOL = 1e-5;
// Batch norm, well-conditioned inputs (mean ~ 0, std ~ 1): per-channel sums of N <= 60 values, then
// a few elementwise operations: the same argument as above gives ~5e-7; 1e-5 as for convolutions.
const BN_RTOL = 1e-5;
// Batch norm on mean 100, std 0.1 (a float32 activation far from 0): float32 values near 100 are
// 7.6e-6 apart, 7.6e-5 of a standard deviation, so a mean off by an ulp or so (any float32 sum of
// them) shifts every normalized value of its channel by ~7.6e-5: y = gamma * xhat + beta, |xhat| <=
// ~3, is then off by ~2.5e-5 of its scale, and dgamma = sum(u * xhat) picks the shift up times
// sum(u), ~1e-4 of its scale. Both paths have it (measured: y 4e-5, dgamma 1.2e-4 against float64).
// 5e-4 is ~4x the worst; a one-pass variance E[x^2] - E[x]^2 in float32 (error ~ulp(1e4) = 1e-3 on
// a variance of 1e-2) would be off by ~5% in y.
const BN_HARD_RTOL = 5e-4;
// The mean itself: a float32 mean of values near 100 is good to a few ulp relative to 100.
const MEAN_HARD_RTOL = 1e-6;

// ---- availability -------------------------------------------------------------------------------
const REQUIRE_NATIVE = process.env.GRIDMIX_REQUIRE_NATIVE === '1';

type Gate = { action: 'run'; label: string } | { action: 'skip' | 'fail'; reason: string };

/** What a native test does, given what enableNativeKernels said and whether CI requires the kernels. */
function nativeGate(enable: NativeEnable, requireNative: boolean): Gate {
  if (enable.ok) return { action: 'run', label: enable.label };
  if (requireNative) return { action: 'fail', reason: `GRIDMIX_REQUIRE_NATIVE=1 but ${enable.reason}` };
  return { action: 'skip', reason: enable.reason };
}

let probed: NativeEnable | undefined;

/** Loads and registers the kernels once (leaving them off), and remembers whether that worked. */
function probeNative(): NativeEnable {
  if (!probed) {
    probed = enableNativeKernels();
    disableNativeKernels();
  }
  return probed;
}

/** Counts calls of the native kernels registered on wasm (none are when the addon is missing). */
class KernelSpy {
  private counts = new Map<string, number>();
  private restores: Array<() => void> = [];
  /** Called as each native kernel starts, before its body. */
  onCall: ((kernelName: string) => void) | undefined;

  constructor() {
    for (const name of Object.keys(NATIVE_KERNEL_NAMES)) {
      const config = tf.getKernel(name, 'wasm') as { kernelFunc: tf.KernelFunc } | undefined;
      if (!config) continue;
      const original = config.kernelFunc;
      config.kernelFunc = (params) => {
        this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
        this.onCall?.(name);
        return original(params);
      };
      this.restores.push(() => {
        config.kernelFunc = original;
      });
    }
  }

  /** Calls per kernel since the last take(), and resets them. */
  take(): Record<string, number> {
    const calls = Object.fromEntries(this.counts);
    this.counts.clear();
    return calls;
  }

  restore(): void {
    this.restores.forEach((undo) => undo());
    this.restores = [];
  }
}

/**
 * Runs a native test: on the wasm backend with the kernels loaded (but off: the body turns them on),
 * or skips / fails by the availability rule. The kernels are off and the spy gone afterwards.
 */
async function withNative(t: TestContext, body: (spy: KernelSpy) => void | Promise<void>): Promise<void> {
  const gate = nativeGate(probeNative(), REQUIRE_NATIVE);
  if (gate.action === 'fail') assert.fail(gate.reason);
  if (gate.action === 'skip') {
    t.skip(gate.reason);
    return;
  }
  await useBackend('wasm');
  const spy = new KernelSpy();
  try {
    await body(spy);
  } finally {
    spy.restore();
    disableNativeKernels();
    await useBackend('wasm');
  }
}

interface BothPaths<T> {
  native: T;
  wasmOnly: T;
  /** Native kernel calls during the native run. */
  calls: Record<string, number>;
}

/** `run` with the native kernels on, then off; asserts which kernels each run used. */
function onBothPaths<T>(spy: KernelSpy, run: () => T): BothPaths<T> {
  assert.equal(enableNativeKernels().ok, true);
  assert.equal(nativeKernelsActive(), true);
  spy.take();
  const native = run();
  const calls = spy.take();
  assert.ok(Object.keys(calls).length > 0, 'the native run called no native kernel');
  disableNativeKernels();
  assert.equal(nativeKernelsActive(), false);
  const wasmOnly = run();
  assert.deepEqual(spy.take(), {}, 'the wasm-only run called native kernels');
  return { native, wasmOnly, calls };
}

afterEach(() => disableNativeKernels());
after(async () => {
  disableNativeKernels();
  await useBackend('wasm');
});

// ---- helpers ------------------------------------------------------------------------------------
function normals(rng: Rng, n: number, mean = 0, std = 1): Float32Array {
  return Float32Array.from({ length: n }, () => mean + std * rng.normal());
}

/** Asserts each named error is within `tol` and reports them all. */
function checkErrors(t: TestContext, errors: Record<string, number>, tol: number | Record<string, number>): void {
  const tolOf = (name: string) => (typeof tol === 'number' ? tol : tol[name]);
  t.diagnostic(Object.entries(errors).map(([name, e]) => `${name} ${e.toExponential(2)}`).join('; '));
  for (const [name, e] of Object.entries(errors)) {
    assert.ok(e <= tolOf(name), `${name}: relative error ${e} exceeds ${tolOf(name)}`);
  }
}

const heapBytes = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;

// ---- convolution --------------------------------------------------------------------------------
type ConvData = { x: Float32Array; w: Float32Array; u: Float32Array };
type ConvOut = { y: Float32Array; yShape: number[]; dx: Float32Array; dw: Float32Array };
type ConvFn = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;

function convData(c: ConvSpec, seed: number): ConvData {
  const rng = new Rng(seed);
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  return {
    x: normals(rng, size([c.batch, c.h, c.w, c.cin])),
    w: normals(rng, size([c.k, c.k, c.cin / c.groups, c.cout])),
    u: normals(rng, size(convOutputShape(c))),
  };
}

const engineConvFn = (c: ConvSpec): ConvFn => (x, w) => ops.conv2d(x, w, { strides: c.stride, pad: c.pad, groups: c.groups });

/** tf's own convolution (cpu backend: Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter); groups as split/concat. */
const tfConvFn = (c: ConvSpec): ConvFn => (x, w) => {
  const pad = typeof c.pad === 'number' ? ([[0, 0], [c.pad, c.pad], [c.pad, c.pad], [0, 0]] as tf.backend_util.ExplicitPadding) : c.pad;
  if (c.groups === 1) return tf.conv2d(x, w, c.stride, pad);
  const xs = tf.split(x, c.groups, 3) as tf.Tensor4D[];
  const ws = tf.split(w, c.groups, 3) as tf.Tensor4D[];
  return tf.concat(xs.map((xi, i) => tf.conv2d(xi, ws[i], c.stride, pad)), 3);
};

/** y = conv(x, w) and the gradients of sum(y * u) w.r.t. x and w, on the current backend. */
function runConv(c: ConvSpec, data: ConvData, conv: ConvFn): ConvOut {
  let out: ConvOut | undefined;
  tf.tidy(() => {
    const x = tf.tensor4d(data.x, [c.batch, c.h, c.w, c.cin]);
    const w = tf.tensor4d(data.w, [c.k, c.k, c.cin / c.groups, c.cout]);
    const u = tf.tensor4d(data.u, convOutputShape(c));
    const y = conv(x, w);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), u)))([x, w]);
    out = { y: y.dataSync() as Float32Array, yShape: y.shape, dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
  return out!;
}

/** Input positions no window reads (they must get an exact 0 gradient), as flat NHWC indices. */
function unreadInputIndices(c: ConvSpec): number[] {
  const readAlong = (size: number) => {
    const { out, before } = window1d(size, c.k, c.stride, c.pad);
    const read = new Array<boolean>(size).fill(false);
    for (let o = 0; o < out; o++) {
      for (let i = 0; i < c.k; i++) {
        const at = o * c.stride + i - before;
        if (at >= 0 && at < size) read[at] = true;
      }
    }
    return read;
  };
  const rows = readAlong(c.h);
  const cols = readAlong(c.w);
  const indices: number[] = [];
  for (let b = 0; b < c.batch; b++) {
    for (let r = 0; r < c.h; r++) {
      for (let col = 0; col < c.w; col++) {
        if (rows[r] && cols[col]) continue;
        for (let ch = 0; ch < c.cin; ch++) indices.push(((b * c.h + r) * c.w + col) * c.cin + ch);
      }
    }
  }
  return indices;
}

interface ConvCase extends ConvSpec {
  name: string;
  /** The geometry leaves input rows/columns unread: their gradient must be exactly 0. */
  unread?: boolean;
}

const conv = (name: string, s: Omit<ConvSpec, 'groups'> & { groups?: number; unread?: boolean }): ConvCase => ({ name, groups: 1, ...s });

const CONV_CASES: ConvCase[] = [
  conv('3x3 stride 1 pad 1, 5 -> 6 channels', { batch: 2, h: 7, w: 6, cin: 5, cout: 6, k: 3, stride: 1, pad: 1 }),
  conv("3x3 stride 2 'same' on odd 11x9", { batch: 2, h: 11, w: 9, cin: 3, cout: 4, k: 3, stride: 2, pad: 'same' }),
  conv("1x1 stride 2 'valid' on even 8x6 (every other row and column unread)", { batch: 2, h: 8, w: 6, cin: 4, cout: 6, k: 1, stride: 2, pad: 'valid', unread: true }),
  conv("3x3 stride 2 'valid' on even 10x8 (last row and column unread)", { batch: 2, h: 10, w: 8, cin: 3, cout: 5, k: 3, stride: 2, pad: 'valid', unread: true }),
  conv('7x7 stride 2 pad 3 (ResNet stem) on 13x12', { batch: 2, h: 13, w: 12, cin: 3, cout: 8, k: 7, stride: 2, pad: 3 }),
  conv('1x1 stride 1 (pointwise), 6 -> 3', { batch: 2, h: 4, w: 5, cin: 6, cout: 3, k: 1, stride: 1, pad: 'valid' }),
  conv('3x3 stride 1 pad 1, groups 2', { batch: 2, h: 6, w: 7, cin: 4, cout: 6, k: 3, stride: 1, pad: 1, groups: 2 }),
  conv('3x3 stride 2 pad 1, groups 4', { batch: 2, h: 7, w: 7, cin: 8, cout: 8, k: 3, stride: 2, pad: 1, groups: 4 }),
  conv('3x3 stride 2 pad 1, groups 2 of 8 channels (wasm-only: split form)', { batch: 1, h: 5, w: 6, cin: 16, cout: 8, k: 3, stride: 2, pad: 1, groups: 2 }),
  conv("3x3 'same', depthwise (groups = channels = 6)", { batch: 2, h: 6, w: 6, cin: 6, cout: 6, k: 3, stride: 1, pad: 'same', groups: 6 }),
  conv('3x3 stride 2 pad 1, depthwise with multiplier 2 (groups 5, 5 -> 10)', { batch: 2, h: 5, w: 6, cin: 5, cout: 10, k: 3, stride: 2, pad: 1, groups: 5 }),
  conv('3x3 pad 1, batch 1, odd channels 7 -> 5', { batch: 1, h: 5, w: 5, cin: 7, cout: 5, k: 3, stride: 1, pad: 1 }),
];

CONV_CASES.forEach((c, i) => {
  test(`conv2d ${c.name}: native = wasm-only = cpu = float64, forward and both gradients`, (t) => withNative(t, async (spy) => {
    const data = convData(c, 1000 + i);
    const ref = convReference(c, data.x, data.w, data.u);
    const { native, wasmOnly, calls } = onBothPaths(spy, () => runConv(c, data, engineConvFn(c)));
    // forward twice (once alone, once under tf.grads), each gradient once
    assert.deepEqual(calls, { GridmixConv2D: 2, GridmixConv2DBackpropInput: 1, GridmixConv2DBackpropFilter: 1 });
    await useBackend('cpu');
    const cpu = runConv(c, data, tfConvFn(c));
    await useBackend('wasm');
    assert.deepEqual(native.yShape, convOutputShape(c));
    assert.deepEqual(wasmOnly.yShape, convOutputShape(c));
    assert.deepEqual(cpu.yShape, convOutputShape(c));
    checkErrors(t, {
      'native y/f64': relativeError(native.y, ref.y),
      'native dx/f64': relativeError(native.dx, ref.dx),
      'native dw/f64': relativeError(native.dw, ref.dw),
      'native y/wasm-only': relativeError(native.y, wasmOnly.y),
      'native dx/wasm-only': relativeError(native.dx, wasmOnly.dx),
      'native dw/wasm-only': relativeError(native.dw, wasmOnly.dw),
      'native y/cpu': relativeError(native.y, cpu.y),
      'native dx/cpu': relativeError(native.dx, cpu.dx),
      'native dw/cpu': relativeError(native.dw, cpu.dw),
      'wasm-only y/f64': relativeError(wasmOnly.y, ref.y),
      'wasm-only dx/f64': relativeError(wasmOnly.dx, ref.dx),
      'wasm-only dw/f64': relativeError(wasmOnly.dw, ref.dw),
    }, CONV_RTOL);
    const unread = unreadInputIndices(c);
    assert.equal(unread.length > 0, c.unread ?? false, `unread input positions: ${unread.length}`);
    for (const k of unread) {
      assert.ok(native.dx[k] === 0, `native dx[${k}] = ${native.dx[k]} at a position no window reads`);
      assert.ok(wasmOnly.dx[k] === 0, `wasm-only dx[${k}] = ${wasmOnly.dx[k]} at a position no window reads`);
    }
  }));
});

test('conv2d gradient w.r.t. the filter only (or the input only) runs just that backward kernel and matches', (t) => withNative(t, (spy) => {
  const c: ConvSpec = { batch: 2, h: 11, w: 9, cin: 3, cout: 4, k: 3, stride: 2, pad: 'same', groups: 1 };
  const data = convData(c, 1100);
  const ref = convReference(c, data.x, data.w, data.u);
  const x = tf.tensor4d(data.x, [c.batch, c.h, c.w, c.cin]);
  const w = tf.tensor4d(data.w, [c.k, c.k, c.cin, c.cout]);
  const u = tf.tensor4d(data.u, convOutputShape(c));
  try {
    assert.equal(enableNativeKernels().ok, true);
    const loss = (xs: tf.Tensor, ws: tf.Tensor) => tf.sum(tf.mul(engineConvFn(c)(xs as tf.Tensor4D, ws as tf.Tensor4D), u));
    spy.take();
    // Outside any tidy: the op must leave exactly the gradient asked for.
    let before = tf.memory().numTensors;
    const [dw] = tf.grads((ws: tf.Tensor) => loss(x, ws))([w]);
    assert.equal(tf.memory().numTensors, before + 1, 'filter-only gradient leaked');
    assert.deepEqual(spy.take(), { GridmixConv2D: 1, GridmixConv2DBackpropFilter: 1 });
    before = tf.memory().numTensors;
    const [dx] = tf.grads((xs: tf.Tensor) => loss(xs, w))([x]);
    assert.equal(tf.memory().numTensors, before + 1, 'input-only gradient leaked');
    assert.deepEqual(spy.take(), { GridmixConv2D: 1, GridmixConv2DBackpropInput: 1 });
    checkErrors(t, {
      'native dw (filter only)/f64': relativeError(dw.dataSync(), ref.dw),
      'native dx (input only)/f64': relativeError(dx.dataSync(), ref.dx),
    }, CONV_RTOL);
    tf.dispose([dw, dx]);
  } finally {
    tf.dispose([x, w, u]);
  }
}));

test('conv2d with a bias (VGG): forward and the gradients of x, filter and bias, native = wasm-only; dbias = float64 sum of the upstream gradient', (t) => withNative(t, (spy) => {
  const rng = new Rng(1900);
  for (const c of [
    { x: [3, 9, 7, 5], f: [3, 3, 5, 6], strides: 1, pad: 1 as const, groups: 1 },
    { x: [2, 8, 9, 8], f: [3, 3, 4, 6], strides: 2, pad: 'same' as const, groups: 2 },
  ]) {
    const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor4d(normals(rng, size(c.x)), c.x as [number, number, number, number]);
    const f = tf.tensor4d(normals(rng, size(c.f)), c.f as [number, number, number, number]);
    const bias = tf.tensor1d(normals(rng, c.f[3]));
    const args = { strides: c.strides, pad: c.pad, groups: c.groups };
    const yShape = ops.conv2d(x, f, args).shape;
    const upstream = normals(rng, size(yShape));
    const u = tf.tensor(upstream, yShape);
    try {
      const run = () => tf.tidy(() => {
        const y = ops.conv2d(x, f, { ...args, bias });
        const [dx, df, db] = tf.grads((a: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(ops.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, { ...args, bias: b as tf.Tensor1D }), u)))([x, f, bias]);
        return [y, dx, df, db].map((v) => v.dataSync() as Float32Array);
      });
      const { native, wasmOnly, calls } = onBothPaths(spy, run);
      assert.deepEqual(calls, { GridmixConv2D: 2, GridmixConv2DBackpropInput: 1, GridmixConv2DBackpropFilter: 1 }, 'the bias rides in the convolution kernels');
      const cout = c.f[3];
      const dbias = new Float64Array(cout);
      upstream.forEach((v, i) => { dbias[i % cout] += v; });
      checkErrors(t, {
        'y native/wasm-only': relativeError(native[0], wasmOnly[0]),
        'dx native/wasm-only': relativeError(native[1], wasmOnly[1]),
        'dfilter native/wasm-only': relativeError(native[2], wasmOnly[2]),
        'dbias native/f64': relativeError(native[3], dbias),
        'dbias wasm-only/f64': relativeError(wasmOnly[3], dbias),
      }, CONV_RTOL);
    } finally {
      tf.dispose([x, f, bias, u]);
    }
  }
}));

// ---- batch norm ---------------------------------------------------------------------------------
const EPS = 1e-5;
type BnData = { shape: [number, number, number, number]; x: Float32Array; gamma: Float32Array; beta: Float32Array; u: Float32Array };
type BnOut = { y: Float32Array; mean: Float32Array; variance: Float32Array; dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array };

function bnData(shape: [number, number, number, number], seed: number, mean: number, std: number): BnData {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const c = shape[3];
  // Channels get their own offsets around `mean`, so a channel mix-up cannot go unnoticed.
  const offsets = normals(rng, c, 0, std);
  const x = Float32Array.from(normals(rng, n, 0, std), (v, i) => mean + offsets[i % c] + v);
  return {
    shape, x,
    gamma: Float32Array.from({ length: c }, () => 0.5 + rng.uniform()),
    beta: normals(rng, c),
    u: normals(rng, n),
  };
}

function runBatchNorm(d: BnData, epsilon: number, relu = false): BnOut {
  let out: BnOut | undefined;
  tf.tidy(() => {
    const c = d.shape[3];
    const x = tf.tensor4d(d.x, d.shape);
    const gamma = tf.tensor1d(d.gamma);
    const beta = tf.tensor1d(d.beta);
    const u = tf.tensor4d(d.u, d.shape);
    const r = ops.batchNormTrain(x, gamma, beta, epsilon, { relu });
    const [dx, dgamma, dbeta] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(ops.batchNormTrain(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, epsilon, { relu }).y, u)))([x, gamma, beta]);
    assert.deepEqual([r.mean.shape, r.variance.shape], [[c], [c]]);
    const read = (v: tf.Tensor) => v.dataSync() as Float32Array;
    out = { y: read(r.y), mean: read(r.mean), variance: read(r.variance), dx: read(dx), dgamma: read(dgamma), dbeta: read(dbeta) };
  });
  return out!;
}

const BN_CASES: Array<{ name: string; shape: [number, number, number, number]; mean: number; std: number; hard?: boolean }> = [
  { name: '2x4x5x3', shape: [2, 4, 5, 3], mean: 0, std: 1 },
  { name: '3x5x4x7 (odd channel count)', shape: [3, 5, 4, 7], mean: 0.5, std: 2 },
  { name: '1x3x3x5 (batch 1)', shape: [1, 3, 3, 5], mean: 0, std: 1 },
  { name: '2x6x5x7 with mean 100, std 0.1', shape: [2, 6, 5, 7], mean: 100, std: 0.1, hard: true },
];

BN_CASES.forEach((bc, i) => {
  test(`batchNormTrain ${bc.name}: native = float64 (y, mean, population variance) = wasm-only (gradients)`, (t) => withNative(t, (spy) => {
    const d = bnData(bc.shape, 2000 + i, bc.mean, bc.std);
    const ref = batchNormReference(d.x, bc.shape[3], d.gamma, d.beta, d.u, EPS);
    const { native, wasmOnly, calls } = onBothPaths(spy, () => runBatchNorm(d, EPS));
    assert.deepEqual(calls, { GridmixBatchNormTrain: 2, GridmixBatchNormGrad: 1 });
    const tol = bc.hard ? BN_HARD_RTOL : BN_RTOL;
    const errors: Record<string, number> = {};
    const tols: Record<string, number> = {};
    for (const key of ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'] as const) {
      errors[`native ${key}/f64`] = relativeError(native[key], ref[key]);
      errors[`wasm-only ${key}/f64`] = relativeError(wasmOnly[key], ref[key]);
      errors[`native ${key}/wasm-only`] = relativeError(native[key], wasmOnly[key]);
      tols[`native ${key}/f64`] = tol;
      tols[`wasm-only ${key}/f64`] = tol;
      tols[`native ${key}/wasm-only`] = 2 * tol; // each within tol of the exact answer
    }
    if (bc.hard) {
      tols['native mean/f64'] = MEAN_HARD_RTOL;
      tols['wasm-only mean/f64'] = MEAN_HARD_RTOL;
      tols['native mean/wasm-only'] = 2 * MEAN_HARD_RTOL;
    }
    checkErrors(t, errors, tols);
  }));
});

test('batchNormTrain with the ReLU fused: native = float64 relu(batch norm) = wasm-only, gradients through the ReLU', (t) => withNative(t, (spy) => {
  const d = bnData([3, 5, 4, 7], 2300, 0.5, 2);
  const c = d.shape[3];
  // The ReLU passes the upstream gradient where the normalized value is > 0 and blocks it elsewhere:
  // the float64 reference is the plain batch norm's with the upstream gradient masked that way.
  const plain = batchNormReference(d.x, c, d.gamma, d.beta, d.u, EPS);
  const masked = Float64Array.from(d.u, (v, i) => (plain.y[i] > 0 ? v : 0));
  const ref = batchNormReference(d.x, c, d.gamma, d.beta, masked, EPS);
  const refY = Float64Array.from(plain.y, (v) => Math.max(0, v));
  assert.ok(masked.some((v) => v === 0) && masked.some((v) => v !== 0), 'the ReLU blocks some gradients and passes others');
  const { native, wasmOnly, calls } = onBothPaths(spy, () => runBatchNorm(d, EPS, true));
  assert.deepEqual(calls, { GridmixBatchNormTrain: 2, GridmixBatchNormGrad: 1 }, 'no separate ReLU kernels on the native path');
  checkErrors(t, {
    'native y/f64': relativeError(native.y, refY),
    'wasm-only y/f64': relativeError(wasmOnly.y, refY),
    'native dx/f64': relativeError(native.dx, ref.dx),
    'wasm-only dx/f64': relativeError(wasmOnly.dx, ref.dx),
    'native dgamma/f64': relativeError(native.dgamma, ref.dgamma),
    'native dbeta/f64': relativeError(native.dbeta, ref.dbeta),
    'wasm-only dgamma/f64': relativeError(wasmOnly.dgamma, ref.dgamma),
  }, BN_RTOL);
}));

test('batchNormInfer with running statistics, with and without the fused ReLU: native = float64 = wasm-only', (t) => withNative(t, (spy) => {
  const rng = new Rng(2400);
  const shape: [number, number, number, number] = [3, 5, 4, 7];
  const c = shape[3];
  const n = shape.reduce((a, b) => a * b, 1);
  const x = normals(rng, n, 0.3, 2);
  const gamma = normals(rng, c);
  const beta = normals(rng, c);
  const mean = normals(rng, c);
  const variance = Float32Array.from({ length: c }, () => 0.2 + 2 * rng.uniform());
  const reference = (relu: boolean) => Float64Array.from(x, (v, i) => {
    const ch = i % c;
    const y = (gamma[ch] * (v - mean[ch])) / Math.sqrt(variance[ch] + EPS) + beta[ch];
    return relu ? Math.max(0, y) : y;
  });
  for (const relu of [false, true]) {
    const run = () => tf.tidy(() => ops.batchNormInfer(
      tf.tensor4d(x, shape), tf.tensor1d(gamma), tf.tensor1d(beta), tf.tensor1d(mean), tf.tensor1d(variance), EPS, { relu },
    ).dataSync() as Float32Array);
    const { native, wasmOnly, calls } = onBothPaths(spy, run);
    enableNativeKernels(); // onBothPaths leaves them off; the next round starts native again
    assert.deepEqual(calls, { GridmixBatchNormInfer: 1 }, 'one kernel, the ReLU included');
    checkErrors(t, {
      [`native relu=${relu}/f64`]: relativeError(native, reference(relu)),
      [`wasm-only relu=${relu}/f64`]: relativeError(wasmOnly, reference(relu)),
    }, BN_RTOL);
  }
}));

test('batchNormTrain gradient w.r.t. gamma only: matches and leaves only that gradient', (t) => withNative(t, () => {
  const d = bnData([2, 3, 4, 7], 2100, 0, 1);
  const ref = batchNormReference(d.x, 7, d.gamma, d.beta, d.u, EPS);
  const [x, gamma, beta, u] = [tf.tensor4d(d.x, d.shape), tf.tensor1d(d.gamma), tf.tensor1d(d.beta), tf.tensor4d(d.u, d.shape)];
  try {
    assert.equal(enableNativeKernels().ok, true);
    const before = tf.memory().numTensors;
    const [dgamma] = tf.grads((g: tf.Tensor) => tf.sum(tf.mul(ops.batchNormTrain(x, g as tf.Tensor1D, beta, EPS).y, u)))([gamma]);
    assert.equal(tf.memory().numTensors, before + 1, 'gamma-only gradient leaked');
    checkErrors(t, { 'native dgamma (gamma only)/f64': relativeError(dgamma.dataSync(), ref.dgamma) }, BN_RTOL);
    dgamma.dispose();
  } finally {
    tf.dispose([x, gamma, beta, u]);
  }
}));

test(
  'batchNormTrain with epsilon 1e-9 after 1e-7 (same shape) normalizes with 1e-9 (the primitive cache keys on epsilon\'s exact bits)',
  (t) => withNative(t, () => {
    // std 1e-4: variance 1e-8, where epsilon 1e-7 vs 1e-9 changes the scale by 3.3x.
    const d = bnData([2, 3, 3, 2], 2200, 0, 1e-4);
    assert.equal(enableNativeKernels().ok, true);
    runBatchNorm(d, 1e-7);
    const second = runBatchNorm(d, 1e-9);
    const ref = batchNormReference(d.x, 2, d.gamma, d.beta, d.u, 1e-9);
    checkErrors(t, { 'native y (epsilon 1e-9 after 1e-7)/f64': relativeError(second.y, ref.y) }, 1e-3);
  }),
);

// ---- relu ---------------------------------------------------------------------------------------
test('relu: forward and gradient exact, incl. zeros, -0 and denormals (gradient 0 at x <= 0, as tf)', (t) => withNative(t, async (spy) => {
  const rng = new Rng(3000);
  // 210 elements (not a multiple of any SIMD width), every 5th exactly 0, some -0 and denormals.
  const special = [0, -0, 1e-40, -1e-40, 1.4e-45, -1.4e-45];
  const x = Float32Array.from({ length: 210 }, (_, i) => (i % 5 === 0 ? special[(i / 5) % special.length] : rng.normal()));
  const u = Float32Array.from({ length: 210 }, () => rng.normal());
  const shape = [2, 3, 5, 7];
  const run = (relu: (v: tf.Tensor) => tf.Tensor) => {
    let out: { y: Float32Array; dx: Float32Array } | undefined;
    tf.tidy(() => {
      const xt = tf.tensor(x, shape);
      const ut = tf.tensor(u, shape);
      const [dx] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(relu(a), ut)))([xt]);
      out = { y: relu(xt).dataSync() as Float32Array, dx: dx.dataSync() as Float32Array };
    });
    return out!;
  };
  const { native, wasmOnly, calls } = onBothPaths(spy, () => run((v) => ops.relu(v)));
  assert.deepEqual(calls, { GridmixRelu: 2, GridmixReluGrad: 1 });
  await useBackend('cpu');
  const cpu = run((v) => tf.relu(v));
  await useBackend('wasm');
  // === treats -0 as 0: the sign of a zero is not part of the contract.
  for (const [name, r] of Object.entries({ native, 'wasm-only': wasmOnly, cpu })) {
    for (let i = 0; i < x.length; i++) {
      const y = x[i] > 0 ? x[i] : 0;
      const dx = x[i] > 0 ? u[i] : 0;
      assert.ok(r.y[i] === y, `${name} relu(${x[i]}) = ${r.y[i]}, expected ${y}`);
      assert.ok(r.dx[i] === dx, `${name} relu'(${x[i]}) * ${u[i]} = ${r.dx[i]}, expected ${dx}`);
    }
  }
  t.diagnostic(`${x.filter((v) => v === 0).length} zeros, ${x.filter((v) => v !== 0 && Math.abs(v) < 1.2e-38).length} denormals checked exactly`);
}));

// ---- max pooling (also on native kernels) -------------------------------------------------------
test('maxPool: native = wasm-only = cpu, forward and gradient, incl. negative windows and ties', (t) => withNative(t, async (spy) => {
  const rng = new Rng(4000);
  const cases: Array<{ name: string; shape: number[]; size: number; stride: number; pad: ops.Padding; value: () => number }> = [
    { name: '3x3/2 pad 1', shape: [2, 7, 8, 3], size: 3, stride: 2, pad: 1, value: () => rng.normal() },
    { name: '3x3/2 pad 1, all negative', shape: [2, 7, 6, 3], size: 3, stride: 2, pad: 1, value: () => -Math.abs(rng.normal()) },
    { name: "2x2/2 'valid', ReLU-style ties at 0", shape: [2, 6, 7, 3], size: 2, stride: 2, pad: 'valid', value: () => Math.max(0, rng.normal()) },
  ];
  for (const c of cases) {
    const x = Float32Array.from({ length: c.shape.reduce((a, b) => a * b, 1) }, c.value);
    const run = (pool: (v: tf.Tensor4D) => tf.Tensor4D) => {
      let out: { y: Float32Array; dx: Float32Array } | undefined;
      tf.tidy(() => {
        const xt = tf.tensor4d(x, c.shape as [number, number, number, number]);
        const y = pool(xt);
        const u = tf.tensor4d(normals(new Rng(4100), y.size), y.shape);
        const [dx] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(pool(a as tf.Tensor4D), u)))([xt]);
        out = { y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array };
      });
      return out!;
    };
    const { native, wasmOnly, calls } = onBothPaths(spy, () => run((v) => ops.maxPool(v, c.size, c.stride, c.pad)));
    assert.deepEqual(calls, { GridmixMaxPool: 2, GridmixMaxPoolGrad: 1 }, c.name);
    await useBackend('cpu');
    // tf's numeric pad leaves padded cells out of the max, as -Infinity padding does.
    const cpu = run((v) => tf.maxPool(v, c.size, c.stride, c.pad));
    await useBackend('wasm');
    // A maximum is copied, not computed: forward exact. An input cell that is the maximum of up to 4
    // overlapping windows sums their dy in some order: a few ulp.
    assert.deepEqual(native.y, cpu.y, `${c.name}: forward`);
    assert.deepEqual(native.y, wasmOnly.y, `${c.name}: forward`);
    checkErrors(t, {
      [`${c.name} native dx/cpu`]: relativeError(native.dx, cpu.dx),
      [`${c.name} native dx/wasm-only`]: relativeError(native.dx, wasmOnly.dx),
    }, 1e-6);
  }
}));

// ---- residual add + relu, and tfjs's Add on native kernels -------------------------------------
test('addRelu: native = float64 relu(a + b) = wasm-only; the gradient reaches both inputs, also when they share a source', (t) => withNative(t, (spy) => {
  const rng = new Rng(3100);
  const shape = [2, 5, 6, 7];
  const n = shape.reduce((x, y) => x * y, 1);
  const a = normals(rng, n);
  const b = normals(rng, n);
  const u = normals(rng, n);
  const sum = Float64Array.from(a, (v, i) => v + b[i]);
  const refY = Float64Array.from(sum, (v) => Math.max(0, v));
  const refGrad = Float64Array.from(u, (v, i) => (sum[i] > 0 ? v : 0));
  const run = () => tf.tidy(() => {
    const [at, bt, ut] = [tf.tensor(a, shape), tf.tensor(b, shape), tf.tensor(u, shape)];
    const y = ops.addRelu(at, bt);
    const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(ops.addRelu(p, q), ut)))([at, bt]);
    // relu(x + relu(x + b)): x reaches the loss twice, so the tape adds its two gradients.
    const [dx] = tf.grads((p: tf.Tensor) => tf.sum(tf.mul(ops.addRelu(p, ops.addRelu(p, bt)), ut)))([at]);
    return [y, da, db, dx].map((v) => v.dataSync() as Float32Array);
  });
  const { native, wasmOnly, calls } = onBothPaths(spy, run);
  assert.ok((calls.GridmixAddRelu ?? 0) >= 4 && (calls.GridmixReluGrad ?? 0) >= 3, JSON.stringify(calls));
  checkErrors(t, {
    'native y/f64': relativeError(native[0], refY),
    'native da/f64': relativeError(native[1], refGrad),
    'native db/f64': relativeError(native[2], refGrad),
    'wasm-only y/f64': relativeError(wasmOnly[0], refY),
    'native dx (two paths)/wasm-only': relativeError(native[3], wasmOnly[3]),
  }, 1e-6);
  assert.throws(() => ops.addRelu(tf.zeros([2, 3]), tf.zeros([3])), /addRelu: shapes 2,3 and 3 differ/);
}));

test(`tfjs's Add on wasm goes native for same-shape float32 tensors of ${NATIVE_ADD_MIN_SIZE}+ elements only, and adds exactly`, (t) => withNative(t, () => {
  const rng = new Rng(3200);
  const big = [NATIVE_ADD_MIN_SIZE + 3];
  const cases: Array<{ name: string; a: tf.Tensor; b: tf.Tensor }> = [
    { name: 'big, same shape', a: tf.tensor(normals(rng, big[0]), big), b: tf.tensor(normals(rng, big[0]), big) },
    { name: 'big, broadcast', a: tf.tensor(normals(rng, 4 * 8192), [4, 8192]), b: tf.tensor(normals(rng, 8192), [8192]) },
    { name: 'small, same shape', a: tf.tensor(normals(rng, 100), [100]), b: tf.tensor(normals(rng, 100), [100]) },
    { name: 'big, int32', a: tf.zeros(big, 'int32'), b: tf.ones(big, 'int32') },
  ];
  const addon = loadNativeAddon().addon!;
  let nativeCalls = 0;
  const original = addon.add;
  addon.add = (...args) => {
    nativeCalls++;
    original(...args);
  };
  try {
    for (const c of cases) {
      assert.equal(enableNativeKernels().ok, true);
      nativeCalls = 0;
      const native = tf.add(c.a, c.b);
      const calls = nativeCalls;
      disableNativeKernels();
      const wasmOnly = tf.add(c.a, c.b);
      assert.equal(nativeCalls, calls, `${c.name}: no native add with the kernels off`);
      assert.equal(calls, c.name === 'big, same shape' ? 1 : 0, `${c.name}: native add calls`);
      assert.equal(native.dtype, c.a.dtype);
      assert.deepEqual(native.dataSync(), wasmOnly.dataSync(), `${c.name}: an add is exact either way`);
      tf.dispose([native, wasmOnly, c.a, c.b]);
    }
  } finally {
    addon.add = original;
  }
  t.diagnostic('native add taken only for the big same-shape float32 case');
}));

// ---- average pooling, the classifier's matrix multiply --------------------------------------------
test('average pooling over whole windows (global, 2x3; 3x3 with rows left over): native = float64 = wasm-only, gradient too', (t) => withNative(t, (spy) => {
  const rng = new Rng(3300);
  for (const c of [{ shape: [2, 8, 8, 3], kh: 8, kw: 8 }, { shape: [1, 4, 6, 7], kh: 2, kw: 3 }]) {
    const [b, h, w, ch] = c.shape;
    const [ho, wo] = [Math.floor(h / c.kh), Math.floor(w / c.kw)];
    const x = normals(rng, b * h * w * ch);
    const u = normals(rng, b * ho * wo * ch);
    const at = (n: number, i: number, j: number, k: number) => ((n * h + i) * w + j) * ch + k;
    const refY = new Float64Array(b * ho * wo * ch);
    const refDx = new Float64Array(x.length);
    for (let n = 0; n < b; n++) for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) for (let k = 0; k < ch; k++) {
      const out = ((n * ho + i) * wo + j) * ch + k;
      for (let r = 0; r < c.kh; r++) for (let q = 0; q < c.kw; q++) {
        refY[out] += x[at(n, i * c.kh + r, j * c.kw + q, k)] / (c.kh * c.kw);
        refDx[at(n, i * c.kh + r, j * c.kw + q, k)] = u[out] / (c.kh * c.kw);
      }
    }
    const run = () => tf.tidy(() => {
      const xt = tf.tensor4d(x, c.shape as [number, number, number, number]);
      const pool = (v: tf.Tensor) => ops.adaptiveAvgPool(v as tf.Tensor4D, ho, wo);
      const ut = tf.tensor(u, [b, ho, wo, ch]);
      return [pool(xt), tf.grad((v: tf.Tensor) => tf.sum(tf.mul(pool(v), ut)))(xt)].map((v) => v.dataSync() as Float32Array);
    });
    const { native, wasmOnly, calls } = onBothPaths(spy, run);
    enableNativeKernels();
    assert.deepEqual(calls, { GridmixAvgPool: 2, GridmixAvgPoolGrad: 1 });
    checkErrors(t, {
      [`${c.shape} y native/f64`]: relativeError(native[0], refY),
      [`${c.shape} dx native/f64`]: relativeError(native[1], refDx),
      [`${c.shape} dx wasm-only/f64`]: relativeError(wasmOnly[1], refDx),
    }, 1e-6);
  }
  // Rows and columns left over ('valid' windows; adaptive pooling never has them).
  const xt = tf.tensor4d(normals(rng, 2 * 9 * 7 * 5), [2, 9, 7, 5]);
  try {
    const gradOf = () => tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(ops.avgPool(v as tf.Tensor4D, 3, 3, 'valid')))(xt).dataSync() as Float32Array);
    const native = gradOf();
    disableNativeKernels();
    const wasmOnly = gradOf();
    checkErrors(t, { 'avgPool 3x3 valid on 9x7, dx native/wasm-only': relativeError(native, wasmOnly) }, 1e-6);
    const unread = native.filter((_, i) => Math.floor(i / 5) % 7 === 6);
    assert.ok(unread.every((v) => v === 0), 'the column past the last whole window gets no gradient');
  } finally {
    xt.dispose();
  }
}));

test('linear (matrix multiply + bias) and its gradients: native = float64 = wasm-only, with and without a bias', (t) => withNative(t, (spy) => {
  const rng = new Rng(3400);
  for (const c of [{ batch: 5, inputs: 7, outputs: 3, bias: true }, { batch: 16, inputs: 33, outputs: 10, bias: false }]) {
    const x = normals(rng, c.batch * c.inputs);
    const w = normals(rng, c.inputs * c.outputs);
    const bias = normals(rng, c.outputs);
    const u = normals(rng, c.batch * c.outputs);
    const refY = new Float64Array(c.batch * c.outputs);
    const refDx = new Float64Array(x.length);
    const refDw = new Float64Array(w.length);
    const refDb = new Float64Array(c.outputs);
    for (let i = 0; i < c.batch; i++) for (let o = 0; o < c.outputs; o++) {
      let acc = c.bias ? bias[o] : 0;
      for (let k = 0; k < c.inputs; k++) {
        acc += x[i * c.inputs + k] * w[k * c.outputs + o];
        refDx[i * c.inputs + k] += u[i * c.outputs + o] * w[k * c.outputs + o];
        refDw[k * c.outputs + o] += x[i * c.inputs + k] * u[i * c.outputs + o];
      }
      refY[i * c.outputs + o] = acc;
      refDb[o] += u[i * c.outputs + o];
    }
    const run = () => tf.tidy(() => {
      const [xt, wt, bt, ut] = [tf.tensor2d(x, [c.batch, c.inputs]), tf.tensor2d(w, [c.inputs, c.outputs]), tf.tensor1d(bias), tf.tensor2d(u, [c.batch, c.outputs])];
      const f = (p: tf.Tensor, q: tf.Tensor, r?: tf.Tensor) => ops.linear(p as tf.Tensor2D, q as tf.Tensor2D, r as tf.Tensor1D | undefined);
      const grads = c.bias
        ? tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => tf.sum(tf.mul(f(p, q, r), ut)))([xt, wt, bt])
        : tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(f(p, q), ut)))([xt, wt]);
      return [f(xt, wt, c.bias ? bt : undefined), ...grads].map((v) => v.dataSync() as Float32Array);
    });
    const { native, wasmOnly, calls } = onBothPaths(spy, run);
    enableNativeKernels();
    assert.deepEqual(calls, { GridmixMatMul: 4 }, 'forward twice, then one product per gradient');
    const errors: Record<string, number> = {
      'y native/f64': relativeError(native[0], refY),
      'dx native/f64': relativeError(native[1], refDx),
      'dw native/f64': relativeError(native[2], refDw),
      'dw wasm-only/f64': relativeError(wasmOnly[2], refDw),
    };
    if (c.bias) errors['dbias native/f64'] = relativeError(native[3], refDb);
    checkErrors(t, errors, CONV_RTOL);
  }
}));

// ---- memory -------------------------------------------------------------------------------------
function makeParams(rng: Rng): Record<string, tf.Variable> {
  const v = (shape: number[]) => tf.variable(tf.tensor(normals(rng, shape.reduce((a, b) => a * b, 1), 0, 0.3), shape));
  return {
    stem: v([7, 7, 3, 6]),
    gamma1: tf.variable(tf.ones([6])),
    beta1: tf.variable(tf.zeros([6])),
    grouped: v([3, 3, 3, 6]),
    gamma2: tf.variable(tf.ones([6])),
    beta2: tf.variable(tf.zeros([6])),
    pointwise: v([1, 1, 6, 5]),
    fc: v([5, 4]),
    fcBias: tf.variable(tf.zeros([4])),
  };
}

/**
 * A small network over every native op: conv, batch norm (training and evaluation), relu, max pool,
 * grouped conv with a residual add + relu, strided 1x1 conv, global average pool, a linear layer.
 */
function network(x: tf.Tensor4D, p: Record<string, tf.Variable>): tf.Scalar {
  let h = ops.conv2d(x, p.stem as tf.Tensor4D, { strides: 2, pad: 3 });
  h = ops.relu(ops.batchNormTrain(h, p.gamma1 as tf.Tensor1D, p.beta1 as tf.Tensor1D, EPS).y);
  h = ops.maxPool(h, 3, 2, 1);
  // A residual connection: the pooled map around the grouped convolution.
  const residual = h;
  h = ops.conv2d(h, p.grouped as tf.Tensor4D, { pad: 'same', groups: 2 });
  h = ops.addRelu(h, residual);
  // Evaluation-mode batch norm (no gradient) on the side, off the loss's path: its kernel runs too.
  ops.batchNormInfer(h, p.gamma2 as tf.Tensor1D, p.beta2 as tf.Tensor1D, p.beta2 as tf.Tensor1D, p.gamma2 as tf.Tensor1D, EPS, { relu: true });
  h = ops.relu(ops.batchNormTrain(h, p.gamma2 as tf.Tensor1D, p.beta2 as tf.Tensor1D, EPS).y);
  h = ops.conv2d(h, p.pointwise as tf.Tensor4D, { strides: 2, pad: 'valid' });
  const logits = ops.linear(ops.globalAvgPool(h), p.fc as tf.Tensor2D, p.fcBias as tf.Tensor1D);
  return tf.add(tf.mean(tf.square(h)), tf.mean(tf.square(logits)));
}

/** Loss and every parameter's gradient (by its key in `params`), as plain arrays. */
function trainingStep(x: tf.Tensor4D, params: Record<string, tf.Variable>): { loss: number; grads: Record<string, Float32Array> } {
  let out: { loss: number; grads: Record<string, Float32Array> } | undefined;
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => network(x, params));
    const keyOf = new Map(Object.entries(params).map(([key, v]) => [v.name, key]));
    out = { loss: value.dataSync()[0], grads: Object.fromEntries(Object.entries(grads).map(([name, g]) => [keyOf.get(name) ?? name, g.dataSync() as Float32Array])) };
  });
  return out!;
}

test('repeated native training steps inside tf.tidy keep tf.memory() flat', (t) => withNative(t, (spy) => {
  const rng = new Rng(5000);
  const x = tf.tensor4d(normals(rng, 2 * 17 * 15 * 3), [2, 17, 15, 3]);
  const params = makeParams(rng);
  try {
    assert.equal(enableNativeKernels().ok, true);
    spy.take();
    const baseline = tf.memory();
    let first: number | undefined;
    for (let step = 0; step < 5; step++) {
      const { loss, grads } = trainingStep(x, params);
      assert.ok(Number.isFinite(loss));
      first ??= loss;
      assert.equal(loss, first, 'the same step must give the same loss');
      assert.equal(Object.keys(grads).length, Object.keys(params).length);
      const now = tf.memory();
      assert.equal(now.numTensors, baseline.numTensors, `step ${step} leaked tensors`);
      assert.equal(now.numBytes, baseline.numBytes, `step ${step} leaked bytes`);
    }
    const calls = spy.take();
    for (const name of Object.keys(NATIVE_KERNEL_NAMES)) assert.ok((calls[name] ?? 0) >= 5, `${name} ran ${calls[name] ?? 0} times in 5 steps`);
    tf.tidy(() => {
      network(x, params);
    });
    assert.equal(tf.memory().numTensors, baseline.numTensors, 'a forward pass inside tidy leaked');
    t.diagnostic(`${baseline.numTensors} tensors before and after 5 steps; native calls ${JSON.stringify(calls)}`);
  } finally {
    tf.dispose([x, ...Object.values(params)]);
  }
}));

/** The parts of the wasm backend the growth test reaches into. */
interface WasmInternals {
  makeOutput: (...args: unknown[]) => tf.TensorInfo;
  wasm: { HEAPU8: Uint8Array; _malloc(bytes: number): number; _free(pointer: number): void };
}

// Before the 300 MB test below: each forced growth enlarges the heap by >= 20% (emscripten's
// policy), so this one grows it once per kernel, not per call, from a small heap.
test('the heap growing inside each native kernel, after its output is made and before the addon call, is safe', (t) => withNative(t, (spy) => {
  const backend = tf.backend() as unknown as WasmInternals;
  const rng = new Rng(7000);
  const x = tf.tensor4d(normals(rng, 2 * 17 * 15 * 3), [2, 17, 15, 3]);
  const params = makeParams(rng);
  const fillers: number[] = [];
  const ownMakeOutput = Object.prototype.hasOwnProperty.call(backend, 'makeOutput');
  const makeOutput = backend.makeOutput;
  try {
    assert.equal(enableNativeKernels().ok, true);
    const expected = trainingStep(x, params);
    // The first call of each native kernel, once it has made its first output, sees the heap grow:
    // 8 MB blocks are taken (and kept to the end, so that the next kernel has to grow it again)
    // until the heap's ArrayBuffer is replaced. A kernel that took the buffer before making its
    // outputs would hand the addon a detached buffer.
    const grownIn = new Set<string>();
    let armed = false;
    spy.onCall = (name) => {
      armed = !grownIn.has(name);
      grownIn.add(name);
    };
    backend.makeOutput = function (this: WasmInternals, ...args: unknown[]) {
      const out = makeOutput.apply(this, args);
      if (armed) {
        armed = false;
        const buffer = backend.wasm.HEAPU8.buffer;
        while (backend.wasm.HEAPU8.buffer === buffer) {
          const pointer = backend.wasm._malloc(8 << 20);
          assert.ok(pointer !== 0, 'the wasm heap cannot grow any further');
          fillers.push(pointer);
        }
      }
      return out;
    };
    const heapBefore = heapBytes();
    const grown = trainingStep(x, params);
    assert.deepEqual([...grownIn].sort(), Object.keys(NATIVE_KERNEL_NAMES).sort(), 'every native kernel saw the heap grow');
    assert.equal(grown.loss, expected.loss);
    const errors: Record<string, number> = {};
    for (const [name, g] of Object.entries(expected.grads)) errors[`d${name} with growth/without`] = relativeError(grown.grads[name], g);
    checkErrors(t, errors, CONV_RTOL);
    t.diagnostic(`heap grew in ${grownIn.size} kernels: ${heapBefore} -> ${heapBytes()} bytes`);
  } finally {
    if (ownMakeOutput) backend.makeOutput = makeOutput;
    else delete (backend as Partial<WasmInternals>).makeOutput;
    spy.onCall = undefined;
    fillers.forEach((pointer) => backend.wasm._free(pointer));
    tf.dispose([x, ...Object.values(params)]);
  }
}));

test('a few hundred MB allocated between two native convolutions: the second still reads and writes the right memory', (t) => withNative(t, () => {
  const c: ConvSpec = { batch: 2, h: 13, w: 12, cin: 3, cout: 8, k: 7, stride: 2, pad: 3, groups: 1 };
  const data = convData(c, 6000);
  const ref = convReference(c, data.x, data.w, data.u);
  assert.equal(enableNativeKernels().ok, true);
  const first = runConv(c, data, engineConvFn(c));
  const heapBefore = heapBytes();
  // More than the whole heap holds now, free space included: it has to grow by 100 MB at least.
  const big = tf.zeros([Math.ceil((heapBefore + 100e6) / 4)]);
  try {
    assert.ok(heapBytes() >= heapBefore + 100e6, `the heap did not grow (${heapBefore} -> ${heapBytes()})`);
    const second = runConv(c, data, engineConvFn(c));
    checkErrors(t, {
      'y after growth/before': relativeError(second.y, first.y),
      'dx after growth/before': relativeError(second.dx, first.dx),
      'dw after growth/before': relativeError(second.dw, first.dw),
      'y after growth/f64': relativeError(second.y, ref.y),
      'dx after growth/f64': relativeError(second.dx, ref.dx),
      'dw after growth/f64': relativeError(second.dw, ref.dw),
    }, CONV_RTOL);
    t.diagnostic(`heap ${heapBefore} -> ${heapBytes()} bytes`);
  } finally {
    big.dispose();
  }
}));

// ---- errors -------------------------------------------------------------------------------------
test('a non-float32 input to a native op is a clear Error, leaks nothing, and the kernels keep working', (t) => withNative(t, () => {
  assert.equal(enableNativeKernels().ok, true);
  const f32 = (shape: number[]) => tf.ones(shape);
  const i32 = (shape: number[]) => tf.ones(shape, 'int32');
  const calls: Array<[string, () => tf.Tensor | ops.BatchNormResult, RegExp]> = [
    ['conv2d, int32 x', () => ops.conv2d(i32([1, 5, 5, 2]) as tf.Tensor4D, f32([3, 3, 2, 2]) as tf.Tensor4D, { pad: 1 }), /conv2d: input "x" must be float32, got int32/],
    ['conv2d, int32 filter', () => ops.conv2d(f32([1, 5, 5, 2]) as tf.Tensor4D, i32([3, 3, 2, 2]) as tf.Tensor4D, { pad: 1 }), /conv2d: input "filter" must be float32, got int32/],
    ['batchNormTrain, int32 x', () => ops.batchNormTrain(i32([1, 2, 2, 3]) as tf.Tensor4D, f32([3]) as tf.Tensor1D, f32([3]) as tf.Tensor1D, EPS), /batchNormTrain: input "x" must be float32, got int32/],
    ['batchNormTrain, int32 gamma', () => ops.batchNormTrain(f32([1, 2, 2, 3]) as tf.Tensor4D, i32([3]) as tf.Tensor1D, f32([3]) as tf.Tensor1D, EPS), /batchNormTrain: input "gamma" must be float32, got int32/],
    ['relu, int32', () => ops.relu(i32([7])), /relu: input "x" must be float32, got int32/],
    ['maxPool, int32', () => ops.maxPool(i32([1, 4, 4, 2]) as tf.Tensor4D, 2, 2, 'valid'), /maxPool: input "x" must be float32, got int32/],
  ];
  for (const [name, call, message] of calls) {
    const before = tf.memory().numTensors;
    assert.throws(() => tf.tidy(() => {
      call();
    }), (err: unknown) => err instanceof Error && message.test(err.message), name);
    assert.equal(tf.memory().numTensors, before, `${name}: leaked tensors`);
  }
  // The kernels still work after the errors.
  const c: ConvSpec = { batch: 1, h: 5, w: 5, cin: 2, cout: 3, k: 3, stride: 1, pad: 1, groups: 1 };
  const data = convData(c, 8000);
  checkErrors(t, { 'conv y after errors/f64': relativeError(runConv(c, data, engineConvFn(c)).y, convReference(c, data.x, data.w, data.u).y) }, CONV_RTOL);
}));

// ---- availability and the switch ----------------------------------------------------------------
test('the native kernels are available here (or skipped saying why; required under GRIDMIX_REQUIRE_NATIVE=1)', (t) =>
  withNative(t, () => {
    const label = (probeNative() as { label: string }).label;
    assert.match(label, /^oneDNN \d+\.\d+/);
    t.diagnostic(label);
  }));

test('availability rule: a missing addon skips with its reason, but fails under GRIDMIX_REQUIRE_NATIVE=1', () => {
  const missing: NativeEnable = { ok: false, reason: 'native kernels not built' };
  assert.deepEqual(nativeGate(missing, false), { action: 'skip', reason: 'native kernels not built' });
  assert.deepEqual(nativeGate(missing, true), { action: 'fail', reason: 'GRIDMIX_REQUIRE_NATIVE=1 but native kernels not built' });
  const present: NativeEnable = { ok: true, label: 'oneDNN 2.6.3 (2 threads)' };
  assert.deepEqual(nativeGate(present, false), { action: 'run', label: 'oneDNN 2.6.3 (2 threads)' });
  assert.deepEqual(nativeGate(present, true), { action: 'run', label: 'oneDNN 2.6.3 (2 threads)' });
});

// Needs no addon: with the kernels off (or never built) the ops take the wasm-only path.
test('with the native kernels disabled, the ops run on the wasm-only path and match the cpu backend', async (t) => {
  await useBackend('wasm');
  probeNative(); // registers the native kernels if the addon exists, leaving them off
  const spy = new KernelSpy();
  try {
    disableNativeKernels();
    assert.equal(nativeKernelsActive(), false);
    const c = CONV_CASES[1];
    const data = convData(c, 9000);
    spy.take();
    const wasmOnly = runConv(c, data, engineConvFn(c));
    const relu = tf.tidy(() => ops.relu(tf.tensor1d([-1, 0, 2])).dataSync());
    assert.deepEqual(spy.take(), {}, 'native kernels ran while disabled');
    assert.deepEqual(Array.from(relu), [0, 0, 2]);
    await useBackend('cpu');
    const cpu = runConv(c, data, tfConvFn(c));
    await useBackend('wasm');
    checkErrors(t, {
      'wasm-only y/cpu': relativeError(wasmOnly.y, cpu.y),
      'wasm-only dx/cpu': relativeError(wasmOnly.dx, cpu.dx),
      'wasm-only dw/cpu': relativeError(wasmOnly.dw, cpu.dw),
    }, CONV_RTOL);
  } finally {
    spy.restore();
    disableNativeKernels();
    await useBackend('wasm');
  }
});

test('enabled on the cpu backend, the switch is inert: the ops run there on their own path', (t) => withNative(t, async () => {
  assert.equal(enableNativeKernels().ok, true);
  // tfjs's own switch, not useBackend (whose plain 'wasm' turns the kernels off on purpose).
  await tf.setBackend('cpu');
  assert.equal(nativeKernelsActive(), false);
  const c = CONV_CASES[0];
  const data = convData(c, 9100);
  const ours = runConv(c, data, engineConvFn(c));
  const ref = convReference(c, data.x, data.w, data.u);
  await tf.setBackend('wasm');
  assert.equal(nativeKernelsActive(), true, 'back on wasm, the kernels are on again');
  checkErrors(t, {
    'cpu y/f64': relativeError(ours.y, ref.y),
    'cpu dx/f64': relativeError(ours.dx, ref.dx),
    'cpu dw/f64': relativeError(ours.dw, ref.dw),
  }, CONV_RTOL);
}));
