// The CPU-scale backbones learn: a few SGD steps on one tiny fixed batch (global + local loss, the
// paper's 4x4 grid) bring the loss down, on the wasm backend, for colour CIFAR-size and grey
// Fashion-MNIST-size inputs. And the same seed gives the same weights and the same steps.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/engine/rng';
import { createModel } from '../../src/models/registry';
import { useBackend } from '../helpers/backend';
import { seededBatch, sgdStep } from './model-harness';

const CLASSES = 4;
const BATCH = 8;
const STEPS = 6;

before(async () => {
  await useBackend('wasm');
});

const cases = [
  { name: 'resnet20', inputSize: 32, inChannels: 3, learningRate: 0.05 },
  { name: 'vgg_small', inputSize: 32, inChannels: 3, learningRate: 0.1 },
  { name: 'resnet20', inputSize: 28, inChannels: 1, learningRate: 0.05 },
  { name: 'vgg_small', inputSize: 28, inChannels: 1, learningRate: 0.1 },
];

for (const c of cases) {
  test(`${c.name} on ${c.inputSize}x${c.inputSize}x${c.inChannels}: the loss falls over ${STEPS} SGD steps on a fixed batch`, () => {
    const model = createModel(c.name, { numClasses: CLASSES, inputSize: c.inputSize, inChannels: c.inChannels, localHead: true, seed: 7 });
    const batch = seededBatch(new Rng(8), BATCH, c.inputSize, c.inChannels, CLASSES);
    try {
      const losses = Array.from({ length: STEPS }, () => sgdStep(model, batch, c.learningRate, 4));
      assert.ok(losses.every(Number.isFinite), `losses: ${losses}`);
      assert.ok(losses[STEPS - 1] < 0.75 * losses[0], `the loss did not fall enough: ${losses.map((l) => l.toFixed(3)).join(' ')}`);
    } finally {
      model.dispose();
      tf.dispose([batch.x, batch.labels]);
    }
  });
}

test('the same seed gives the same weights and the same training steps; another seed other weights', () => {
  const args = { numClasses: CLASSES, inputSize: 16, inChannels: 3, localHead: true };
  const [a, b, other] = [createModel('resnet20', { ...args, seed: 5 }), createModel('resnet20', { ...args, rng: new Rng(5) }), createModel('resnet20', { ...args, seed: 6 })];
  const batch = seededBatch(new Rng(9), 2, 16, 3, CLASSES);
  try {
    const values = (m: typeof a) => m.parameters().map((p) => Array.from(p.variable.dataSync()));
    assert.deepEqual(values(a), values(b));
    assert.notDeepEqual(values(a), values(other));
    assert.deepEqual([sgdStep(a, batch, 0.1, 4), sgdStep(a, batch, 0.1, 4)], [sgdStep(b, batch, 0.1, 4), sgdStep(b, batch, 0.1, 4)]);
  } finally {
    [a, b, other].forEach((m) => m.dispose());
    tf.dispose([batch.x, batch.labels]);
  }
});
