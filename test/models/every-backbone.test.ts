// One suite over every registered backbone (a new entry is tested for free), on the wasm backend at
// CIFAR size: output shapes (logits, features, cell logits for a grid that divides the last feature
// map and one that does not), a gradient reaching every parameter, running statistics updated in
// training only, and no tensor leak over repeated training steps. The big backbones run at a fraction
// of their width (widthScale) to keep the suite fast on 2 CPU cores; their depth and wiring are real.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/engine/rng';
import { BACKBONE_NAMES, createModel, type BackboneName } from '../../src/models/registry';
import { describeModel } from '../../src/models/summary';
import { useBackend } from '../helpers/backend';
import { feedsBatchNorm, lossOf, seededBatch, sgdStep } from './model-harness';

const BATCH = 2;
const CLASSES = 3;
const INPUT = 32;

/** Full width for the CPU-scale nets, a sliver of the paper's big ones (the local head and wiring do not depend on it). */
const WIDTH_SCALE: Record<BackboneName, number> = {
  vgg11_bn: 1 / 16,
  vgg16_bn: 1 / 16,
  vgg19_bn: 1 / 16,
  vgg16_gap: 1 / 16,
  resnet18: 1 / 8,
  resnet50: 1 / 16,
  resnet101: 1 / 16,
  preresnet101: 1 / 16,
  wrn28_4: 1 / 8,
  resnext50_32x4d: 1 / 8,
  resnet20: 1,
  vgg_small: 1,
};

before(async () => {
  await useBackend('wasm');
});

for (const name of BACKBONE_NAMES) {
  describe(name, () => {
    const args = { numClasses: CLASSES, inputSize: INPUT, inChannels: 3, localHead: true, widthScale: WIDTH_SCALE[name], seed: 1 };

    test('output shapes: logits, features, cell logits for a dividing and a non-dividing grid', () => {
      const model = createModel(name, args);
      const batch = seededBatch(new Rng(2), BATCH, INPUT, 3, CLASSES);
      const [h, w, c] = describeModel(name, args).featureShape;
      const nonDividing = h === 3 ? 2 : 3;
      try {
        tf.tidy(() => {
          for (const grid of [2, nonDividing]) {
            const out = model.forward(batch.x, { training: false, grid });
            assert.deepEqual(out.logits.shape, [BATCH, CLASSES]);
            assert.deepEqual(out.features.shape, [BATCH, h, w, c]);
            assert.deepEqual(out.cellLogits?.shape, [BATCH, grid, grid, CLASSES]);
            assert.ok(Number.isFinite(tf.sum(out.cellLogits!).dataSync()[0]));
          }
          assert.equal(model.forward(batch.x, { training: false }).cellLogits, undefined);
        });
      } finally {
        model.dispose();
        tf.dispose([batch.x, batch.labels]);
      }
    });

    test('the gradient of global + local loss reaches every parameter; running statistics move in training only', () => {
      const model = createModel(name, args);
      const batch = seededBatch(new Rng(3), BATCH, INPUT, 3, CLASSES);
      const bufferNames = new Set(model.buffers().map((b) => b.name));
      try {
        const firstMean = model.buffers().find((b) => b.name.endsWith('running_mean'))!;
        const before = firstMean.variable.dataSync().slice();
        tf.tidy(() => {
          model.forward(batch.x, { training: false });
        });
        assert.deepEqual(firstMean.variable.dataSync(), before, 'inference must not touch running statistics');
        tf.tidy(() => {
          const params = model.parameters();
          const { grads } = tf.variableGrads(() => lossOf(model, batch, true, 2), params.map((p) => p.variable));
          for (const p of params) {
            const grad = grads[p.variable.name];
            assert.ok(grad, `${p.name} has no gradient`);
            const magnitude = tf.max(tf.abs(grad)).dataSync()[0];
            assert.ok(Number.isFinite(magnitude), `${p.name}: gradient is not finite`);
            if (!feedsBatchNorm(p.name, bufferNames)) assert.ok(magnitude > 0, `${p.name}: gradient is zero`);
          }
        });
        assert.notDeepEqual(firstMean.variable.dataSync(), before, 'training must update running statistics');
      } finally {
        model.dispose();
        tf.dispose([batch.x, batch.labels]);
      }
    });

    test('no tensor leak over repeated training steps; dispose frees everything', () => {
      const startCount = tf.memory().numTensors;
      const model = createModel(name, args);
      const batch = seededBatch(new Rng(4), BATCH, INPUT, 3, CLASSES);
      sgdStep(model, batch, 0.01, 2);
      const afterFirst = tf.memory().numTensors;
      sgdStep(model, batch, 0.01, 3);
      sgdStep(model, batch, 0.01, 2);
      assert.equal(tf.memory().numTensors, afterFirst);
      model.dispose();
      tf.dispose([batch.x, batch.labels]);
      assert.equal(tf.memory().numTensors, startCount);
    });
  });
}
