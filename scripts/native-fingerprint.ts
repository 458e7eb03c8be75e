// The native kernels' numbers on one oneDNN build, to compare with another build's (oneDNN 2.x and
// 3.x in CI): every kernel the engine dispatches to the addon, forward and gradients, on seeded
// inputs, and one training step's loss and parameter gradients of resnet20 (with the GridMix local
// head) and vgg_small (convolutions with bias), all on wasm+onednn. `--write` records them with the
// oneDNN versions; `--compare` prints each output's difference and fails past the tolerance.
//   node dist/scripts/native-fingerprint.js --write FILE
//   node dist/scripts/native-fingerprint.js --compare A.json B.json
//
// Tolerances: errors are max |a - b| / max |b| per output. Two builds may block and order their
// float32 sums differently (each oneDNN release picks its own implementations), and a float32 sum
// of K terms then differs by about sqrt(K) * 2^-24 of its scale: K <= ~600 here for single kernels
// (the filter gradients sum over B * Ho * Wo), so 2e-6, and 1e-5 leaves headroom as the kernel
// tests do. A training step chains ~20 such layers, batch norms included, whose backward divides by
// the batch's standard deviation and subtracts nearly equal sums: a rounding difference grows by
// roughly a factor of the depth, so 2e-4 for the model gradients. Any indexing or API mistake (a
// wrong padding, a missing bias, a scale and shift swapped) is off by percent, not by 1e-5.
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/backend';
import { nativeKernelsVersion } from '../src/engine/native';
import * as ops from '../src/engine/ops';
import { Rng } from '../src/engine/rng';
import { createModel } from '../src/models/registry';

const KERNEL_RTOL = 1e-5;
const MODEL_RTOL = 2e-4;

interface Fingerprint {
  onednn: { builtAgainst: string; loaded: string };
  /** name -> the float32 values (base64 of their bytes), with the tolerance a comparison uses. */
  outputs: Record<string, { rtol: number; values: string }>;
}

const encode = (t: tf.Tensor): string => Buffer.from((t.dataSync() as Float32Array).buffer.slice(0)).toString('base64');
const decode = (values: string): Float32Array => {
  const bytes = Buffer.from(values, 'base64');
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
};

function normals(rng: Rng, shape: number[], mean = 0, std = 1): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => mean + std * rng.normal()), shape);
}

/** f's outputs and the gradients of sum(f(inputs)[i] * u_i) over the inputs (u seeded). */
function withGradients(name: string, inputs: tf.Tensor[], f: (...xs: tf.Tensor[]) => tf.Tensor[], rng: Rng, out: Fingerprint['outputs']): void {
  const outputs = f(...inputs);
  const weights = outputs.map((o) => normals(rng, o.shape));
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.addN(f(...xs).map((o, i) => tf.sum(tf.mul(o, weights[i])))))(inputs);
  outputs.forEach((o, i) => (out[`${name}.out${i}`] = { rtol: KERNEL_RTOL, values: encode(o) }));
  grads.forEach((g, i) => (out[`${name}.grad${i}`] = { rtol: KERNEL_RTOL, values: encode(g) }));
}

function kernels(out: Fingerprint['outputs']): void {
  const rng = new Rng(16);
  const convCases: Array<{ name: string; x: number[]; w: number[]; strides: number; pad: ops.Padding; groups?: number; bias?: boolean }> = [
    { name: 'conv3x3', x: [4, 8, 8, 8], w: [3, 3, 8, 16], strides: 1, pad: 1 },
    { name: 'conv3x3-stride2-same', x: [4, 9, 9, 8], w: [3, 3, 8, 16], strides: 2, pad: 'same' },
    { name: 'conv1x1-stride2', x: [4, 8, 8, 16], w: [1, 1, 16, 32], strides: 2, pad: 0 },
    { name: 'conv7x7-stem', x: [2, 16, 16, 3], w: [7, 7, 3, 8], strides: 2, pad: 3 },
    { name: 'conv3x3-bias', x: [4, 8, 8, 8], w: [3, 3, 8, 16], strides: 1, pad: 1, bias: true },
    { name: 'conv3x3-groups4', x: [4, 8, 8, 16], w: [3, 3, 4, 16], strides: 1, pad: 1, groups: 4 },
    { name: 'conv3x3-depthwise', x: [4, 8, 8, 16], w: [3, 3, 1, 16], strides: 1, pad: 1, groups: 16 },
  ];
  for (const c of convCases) {
    const inputs = [normals(rng, c.x), normals(rng, c.w), ...(c.bias ? [normals(rng, [c.w[3]])] : [])];
    withGradients(c.name, inputs, (x, w, b) => [
      ops.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, { strides: c.strides, pad: c.pad, groups: c.groups, bias: b as tf.Tensor1D | undefined }),
    ], rng, out);
  }
  for (const relu of [false, true]) {
    const inputs = [normals(rng, [8, 6, 6, 16], 0.5, 2), normals(rng, [16], 1, 0.2), normals(rng, [16])];
    withGradients(`batchNormTrain${relu ? '-relu' : ''}`, inputs, (x, g, b) => {
      const r = ops.batchNormTrain(x as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5, { relu });
      return [r.y, r.mean, r.variance];
    }, rng, out);
  }
  const [x, gamma, beta, mean] = [normals(rng, [4, 6, 6, 16]), normals(rng, [16], 1, 0.2), normals(rng, [16]), normals(rng, [16])];
  const variance = tf.abs(normals(rng, [16], 1, 0.3));
  for (const relu of [false, true]) {
    const y = ops.batchNormInfer(x as tf.Tensor4D, gamma as tf.Tensor1D, beta as tf.Tensor1D, mean as tf.Tensor1D, variance as tf.Tensor1D, 1e-5, { relu });
    out[`batchNormInfer${relu ? '-relu' : ''}`] = { rtol: KERNEL_RTOL, values: encode(y) };
  }
  withGradients('relu', [normals(rng, [4, 8, 8, 16])], (a) => [ops.relu(a)], rng, out);
  // The native add runs from 2^20 elements on (smaller ones stay on wasm).
  withGradients('addRelu', [normals(rng, [8, 32, 32, 128]), normals(rng, [8, 32, 32, 128])], (a, b) => [ops.addRelu(a, b)], rng, out);
  withGradients('maxPool3x3-stride2-same', [normals(rng, [4, 9, 9, 8])], (a) => [ops.maxPool(a as tf.Tensor4D, 3, 2, 'same')], rng, out);
  withGradients('avgPool2x2', [normals(rng, [4, 8, 8, 8])], (a) => [ops.avgPool(a as tf.Tensor4D, 2, 2, 'valid')], rng, out);
  withGradients('globalAvgPool', [normals(rng, [4, 8, 8, 16])], (a) => [ops.globalAvgPool(a as tf.Tensor4D)], rng, out);
  withGradients('linear', [normals(rng, [16, 64]), normals(rng, [64, 10]), normals(rng, [10])], (a, w, b) => [
    ops.linear(a as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D),
  ], rng, out);
}

/** One training-mode step: the loss (global and, for resnet20, the 4x4 local head) and every parameter's gradient. */
function modelStep(name: string, out: Fingerprint['outputs']): void {
  const classes = 10;
  const model = createModel(name, { numClasses: classes, inputSize: 32, inChannels: 3, localHead: name === 'resnet20', seed: 5 });
  const rng = new Rng(17);
  const x = normals(rng, [8, 32, 32, 3]) as tf.Tensor4D;
  const onehot = tf.oneHot(tf.tensor1d(Int32Array.from({ length: 8 }, () => rng.int(classes)), 'int32'), classes);
  const variables = model.parameters().map((p) => p.variable);
  const { value, grads } = tf.variableGrads(() => {
    const forward = model.forward(x, { training: true, grid: name === 'resnet20' ? 4 : undefined });
    let loss = tf.losses.softmaxCrossEntropy(onehot, forward.logits) as tf.Scalar;
    if (forward.cellLogits) loss = tf.add(loss, tf.mean(forward.cellLogits)) as tf.Scalar;
    return loss;
  }, variables);
  out[`${name}.loss`] = { rtol: MODEL_RTOL, values: encode(value) };
  for (const p of model.parameters()) out[`${name}.grad.${p.name}`] = { rtol: MODEL_RTOL, values: encode(grads[p.variable.name]) };
  model.dispose();
}

async function write(file: string): Promise<void> {
  const backend = await selectBackend('wasm', { native: true });
  const version = nativeKernelsVersion();
  if (backend.id !== 'wasm+onednn' || !version.ok) {
    throw new Error(`native-fingerprint: the native kernels are not on (${version.ok ? backend.label : version.reason})`);
  }
  const fingerprint: Fingerprint = { onednn: { builtAgainst: version.builtAgainst, loaded: version.loaded }, outputs: {} };
  tf.tidy(() => kernels(fingerprint.outputs));
  tf.tidy(() => modelStep('resnet20', fingerprint.outputs));
  tf.tidy(() => modelStep('vgg_small', fingerprint.outputs));
  fs.writeFileSync(file, JSON.stringify(fingerprint));
  console.log(`native-fingerprint: ${Object.keys(fingerprint.outputs).length} outputs on ${backend.label} written to ${file}`);
}

/** max |a - b| / max |b|, with NaN or a length mismatch as Infinity. */
function relativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff === 0 ? 0 : diff / (scale || 1);
}

function compare(fileA: string, fileB: string): boolean {
  const [a, b] = [fileA, fileB].map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as Fingerprint);
  console.log(`native-fingerprint: oneDNN ${a.onednn.loaded} (built against ${a.onednn.builtAgainst}) against oneDNN ${b.onednn.loaded} (built against ${b.onednn.builtAgainst})`);
  let ok = true;
  let identical = 0;
  let worstKernel = 0;
  let worstModel = 0;
  const names = [...new Set([...Object.keys(a.outputs), ...Object.keys(b.outputs)])];
  for (const name of names) {
    const [x, y] = [a.outputs[name], b.outputs[name]];
    if (!x || !y) {
      console.log(`  ${name}: only in ${x ? fileA : fileB}`);
      ok = false;
      continue;
    }
    const error = relativeError(decode(x.values), decode(y.values));
    if (error === 0) identical++;
    if (x.rtol === KERNEL_RTOL) worstKernel = Math.max(worstKernel, error);
    else worstModel = Math.max(worstModel, error);
    if (!(error <= x.rtol)) {
      console.log(`  ${name}: relative difference ${error.toExponential(2)} exceeds ${x.rtol.toExponential(0)}`);
      ok = false;
    }
  }
  console.log(
    `native-fingerprint: ${names.length} outputs, ${identical} bit-identical; largest relative difference ${worstKernel.toExponential(2)} ` +
      `over single kernels (tolerance ${KERNEL_RTOL.toExponential(0)}), ${worstModel.toExponential(2)} over the training steps ` +
      `(tolerance ${MODEL_RTOL.toExponential(0)}): ${ok ? 'same to float32 rounding' : 'DIFFERENT'}`,
  );
  return ok;
}

async function main(): Promise<void> {
  const [mode, ...files] = process.argv.slice(2);
  if (mode === '--write' && files.length === 1) return write(files[0]);
  if (mode === '--compare' && files.length === 2) {
    if (!compare(files[0], files[1])) process.exitCode = 1;
    return;
  }
  console.error('usage: native-fingerprint --write FILE | --compare A.json B.json');
  process.exitCode = 2;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
