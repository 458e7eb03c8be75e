// The engine's ops on the tensorflow backend, where they take TensorFlow's own gradient kernels
// (src/engine/tensorflow-kernels.ts), against the same ops on the cpu backend, where they run
// gridmix's custom gradients (checked against tf's and float64 references in test/engine/): forward
// and the gradient w.r.t. every input, on seeded inputs.
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as ops from '../../src/engine/ops';
import { assertSameEvaluation, evaluate, seededInputs, type Differentiable, type Evaluation, type InputSpec } from '../engine/backend-comparison';
import { tensorflowMissing } from '../helpers/tensorflow';

const missing = tensorflowMissing();
const RTOL = 1e-4;

function asArray(out: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(out) ? out : [out];
}

/** evaluate() of backend-comparison.ts, on tensorflow. */
async function onTensorflow(f: Differentiable, specs: InputSpec[], values: Float32Array[], seed: number): Promise<Evaluation> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-node');
  if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend did not initialise');
  return tf.tidy(() => {
    const inputs = specs.map((s, i) => tf.tensor(values[i], s.shape));
    const cotangent = tf.tensor(seededInputs([{ shape: asArray(f(...inputs))[0].shape }], seed + 1)[0], asArray(f(...inputs))[0].shape);
    const outputs = asArray(f(...inputs));
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(asArray(f(...xs))[0], cotangent)))(inputs);
    return { outputs: outputs.map((o) => o.dataSync() as Float32Array), grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

function check(name: string, inputs: InputSpec[], f: Differentiable, seed = 7): void {
  test(`${name} [tensorflow vs cpu]`, { skip: missing ?? false }, async () => {
    const values = seededInputs(inputs, seed);
    const expected = await evaluate('cpu', f, inputs, values, seed);
    assertSameEvaluation(await onTensorflow(f, inputs, values, seed), expected, RTOL, name);
  });
}

const x = (h: number, w: number, c: number, kind?: InputSpec['kind']): InputSpec => ({ shape: [2, h, w, c], kind });

// Convolutions: every padding form and stride the backbones use, with and without bias and groups.
for (const [h, w, k, stride, pad] of [[6, 5, 3, 1, 'same'], [7, 8, 3, 2, 'same'], [8, 8, 3, 2, 1], [9, 9, 7, 2, 3], [8, 8, 1, 2, 'valid'], [5, 5, 1, 1, 0]] as const) {
  check(`conv2d ${h}x${w} k${k} s${stride} pad ${pad}`, [x(h, w, 3), { shape: [k, k, 3, 4] }], (a, f) =>
    ops.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, { strides: stride, pad }));
}
check('conv2d with bias', [x(6, 6, 3), { shape: [3, 3, 3, 5] }, { shape: [5] }], (a, f, b) =>
  ops.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, { pad: 1, bias: b as tf.Tensor1D }));
check('grouped conv2d, 2 groups', [x(6, 6, 4), { shape: [3, 3, 2, 6] }], (a, f) =>
  ops.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, { pad: 1, groups: 2, strides: 2 }));
check('grouped conv2d, wide groups (split form)', [x(5, 5, 16), { shape: [3, 3, 8, 8] }], (a, f) =>
  ops.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, { pad: 1, groups: 2 }));

// Max pooling, on windows of negative values too (where wasm's MaxPoolGrad is wrong).
check('maxPool 3 s2 pad 1', [x(8, 7, 3)], (a) => ops.maxPool(a as tf.Tensor4D, 3, 2, 1));
check('maxPool 2 s2 valid, negative inputs', [x(6, 6, 3, 'negative')], (a) => ops.maxPool(a as tf.Tensor4D, 2, 2, 'valid'));

// Batch norm (training, with and without its ReLU) and inference; relu and the residual add.
for (const relu of [false, true]) {
  check(`batchNormTrain relu=${relu}`, [x(4, 5, 3), { shape: [3], kind: 'positive' }, { shape: [3] }], (a, g, b) => {
    const r = ops.batchNormTrain(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5, { relu });
    return [r.y, r.mean, r.variance];
  });
}
check('batchNormInfer relu', [x(4, 4, 3), { shape: [3], kind: 'positive' }, { shape: [3] }, { shape: [3] }, { shape: [3], kind: 'positive' }], (a, g, b, m, v) =>
  ops.batchNormInfer(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, m as tf.Tensor1D, v as tf.Tensor1D, 1e-5, { relu: true }));
check('relu, ties at zero', [x(4, 4, 3, 'relu')], (a) => ops.relu(a));
check('addRelu', [x(4, 4, 3), x(4, 4, 3)], (a, b) => ops.addRelu(a, b));

// Pooling over whole windows, adaptive bins, global, and the classifier.
check('avgPool 2 s2', [x(6, 6, 3)], (a) => ops.avgPool(a as tf.Tensor4D, 2, 2, 'valid'));
check('adaptiveAvgPool 5x5 -> 3x3 (uneven bins)', [x(5, 5, 3)], (a) => ops.adaptiveAvgPool(a as tf.Tensor4D, 3, 3));
check('globalAvgPool', [x(4, 4, 3)], (a) => ops.globalAvgPool(a as tf.Tensor4D));
check('linear', [{ shape: [3, 5] }, { shape: [5, 4] }, { shape: [4] }], (a, w, b) => ops.linear(a as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D));
