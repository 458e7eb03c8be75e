// No op leaks a tensor, forward or backward: tf.memory().numTensors is the same before and after
// repeated training-style steps (tf.variableGrads inside tf.tidy, gradients disposed), and after a
// forward pass outside tidy whose results are disposed by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as ops from '../../src/engine/ops';
import { Rng } from '../../src/engine/rng';
import { useBackend } from '../helpers/backend';

function randomTensor(rng: Rng, shape: number[]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => rng.normal()), shape);
}

/** A small network touching every op, returning the loss and the batch-norm statistics. */
function forward(x: tf.Tensor4D, p: Record<string, tf.Variable>): { loss: tf.Scalar; stats: tf.Tensor[] } {
  let h = ops.conv2d(x, p.stem as tf.Tensor4D, { strides: 2, pad: 3 });
  const bn = ops.batchNormTrain(h, p.gamma as tf.Tensor1D, p.beta as tf.Tensor1D, 1e-5);
  h = ops.relu(bn.y);
  h = ops.maxPool(h, 3, 2, 1);
  h = ops.conv2d(h, p.grouped as tf.Tensor4D, { pad: 'same', groups: 2 });
  h = ops.conv2d(h, p.pointwise as tf.Tensor4D, { strides: 2, pad: 'valid' });
  const pooled = ops.adaptiveAvgPool(h, 3, 3);
  const averaged = ops.avgPool(h, 3, 1, 1);
  const features = tf.add(ops.globalAvgPool(averaged), ops.globalAvgPool(pooled)) as tf.Tensor2D;
  const logits = ops.linear(features, p.fc as tf.Tensor2D, p.bias as tf.Tensor1D);
  const inferred = ops.batchNormInfer(x, p.gamma3 as tf.Tensor1D, p.beta3 as tf.Tensor1D, bn.mean.slice(0, 3), bn.variance.slice(0, 3), 1e-5);
  return { loss: tf.add(tf.sum(tf.square(logits)), tf.mean(inferred)) as tf.Scalar, stats: [bn.mean, bn.variance] };
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`no tensor leaks on ${backend}, forward and backward`, async () => {
    await useBackend(backend);
    const rng = new Rng(7);
    const x = randomTensor(rng, [2, 13, 12, 3]) as tf.Tensor4D;
    const params: Record<string, tf.Variable> = {
      stem: tf.variable(randomTensor(rng, [7, 7, 3, 4])),
      gamma: tf.variable(tf.ones([4])),
      beta: tf.variable(tf.zeros([4])),
      grouped: tf.variable(randomTensor(rng, [3, 3, 2, 6])),
      pointwise: tf.variable(randomTensor(rng, [1, 1, 6, 5])),
      fc: tf.variable(randomTensor(rng, [5, 2])),
      bias: tf.variable(tf.zeros([2])),
      gamma3: tf.variable(tf.ones([3])),
      beta3: tf.variable(tf.zeros([3])),
    };
    const before = tf.memory().numTensors;
    for (let step = 0; step < 3; step++) {
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => forward(x, params).loss);
        assert.ok(Number.isFinite(value.dataSync()[0]));
        assert.equal(Object.keys(grads).length, Object.keys(params).length);
        tf.dispose(grads);
      });
      assert.equal(tf.memory().numTensors, before, `training step ${step} leaked`);
    }
    tf.tidy(() => {
      forward(x, params);
    });
    assert.equal(tf.memory().numTensors, before, 'forward inside tidy leaked');
    // Each op, forward only, leaves exactly the tensors it returns.
    const p = params as Record<string, tf.Tensor>;
    const calls: Array<() => tf.Tensor | tf.Tensor[]> = [
      () => ops.conv2d(x, p.stem as tf.Tensor4D, { strides: 2, pad: 3 }),
      () => ops.conv2d(x, p.stem.slice([0, 0, 0, 0], [3, 3, 3, 4]) as tf.Tensor4D, { pad: 'same' }),
      () => ops.conv2d(tf.tile(x, [1, 1, 1, 8]) as tf.Tensor4D, p.stem.slice([0, 0, 0, 0], [3, 3, 3, 4]).tile([1, 1, 4, 1]) as tf.Tensor4D, { pad: 1, groups: 2 }),
      () => Object.values(ops.batchNormTrain(x, p.gamma3 as tf.Tensor1D, p.beta3 as tf.Tensor1D, 1e-5)),
      () => ops.batchNormInfer(x, p.gamma3 as tf.Tensor1D, p.beta3 as tf.Tensor1D, p.beta3 as tf.Tensor1D, p.gamma3 as tf.Tensor1D, 1e-5),
      () => ops.maxPool(x, 3, 2, 1),
      () => ops.avgPool(x, 3, 2, 1),
      () => ops.adaptiveAvgPool(x, 4, 4),
      () => ops.adaptiveAvgPool(x, 5, 3),
      () => ops.globalAvgPool(x),
      () => ops.relu(x),
      () => ops.linear(ops.globalAvgPool(x), p.beta3.reshape([3, 1]) as tf.Tensor2D),
    ];
    calls.forEach((call, i) => {
      const start = tf.memory().numTensors;
      const outputs = tf.tidy(() => call());
      const returned = Array.isArray(outputs) ? outputs.length : 1;
      assert.equal(tf.memory().numTensors, start + returned, `op ${i} leaked`);
      tf.dispose(outputs);
    });
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, ...Object.values(params)]);
  });
}
