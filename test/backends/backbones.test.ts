// Every registered backbone (a new entry is tested for free), forward and backward on each test
// backend (test/helpers/backend.ts), on tiny inputs: CIFAR size, batch 2, the big backbones at a
// fraction of their width (their depth and wiring are real). Output shapes (logits, features, cell
// logits for a grid that divides the last feature map and one that does not), a finite gradient
// reaching every parameter, running statistics updated in training only, no tensor leak over
// repeated training steps. Every read is awaited (a GPU backend has no synchronous read).
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/engine/rng';
import { BACKBONE_NAMES, createModel, type BackboneName } from '../../src/models/registry';
import { describeModel } from '../../src/models/summary';
import { forEachBackend } from '../helpers/backend';
import { feedsBatchNorm, lossOf, seededBatch } from '../models/model-harness';

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

const read = async (t: tf.Tensor): Promise<Float32Array> => (await t.data()) as Float32Array;

/** One plain SGD step (no momentum) inside tidy; the loss before the step, read with an await. */
async function sgdStep(model: ReturnType<typeof createModel>, batch: ReturnType<typeof seededBatch>, lr: number, grid: number): Promise<number> {
  const loss = tf.tidy(() => {
    const variables = model.parameters().map((p) => p.variable);
    const { value, grads } = tf.variableGrads(() => lossOf(model, batch, true, grid), variables);
    for (const v of variables) v.assign(tf.sub(v, tf.mul(grads[v.name], lr)));
    return value;
  });
  try {
    return (await read(loss))[0];
  } finally {
    loss.dispose();
  }
}

for (const name of BACKBONE_NAMES) {
  describe(name, () => {
    const args = { numClasses: CLASSES, inputSize: INPUT, inChannels: 3, localHead: true, widthScale: WIDTH_SCALE[name], seed: 1 };

    forEachBackend('forward: logits, features, cell logits for a dividing and a non-dividing grid', async () => {
      const model = createModel(name, args);
      const batch = seededBatch(new Rng(2), BATCH, INPUT, 3, CLASSES);
      const [h, w, c] = describeModel(name, args).featureShape;
      const nonDividing = h === 3 ? 2 : 3;
      try {
        for (const grid of [2, nonDividing]) {
          const sum = tf.tidy(() => {
            const out = model.forward(batch.x, { training: false, grid });
            assert.deepEqual(out.logits.shape, [BATCH, CLASSES]);
            assert.deepEqual(out.features.shape, [BATCH, h, w, c]);
            assert.deepEqual(out.cellLogits?.shape, [BATCH, grid, grid, CLASSES]);
            return tf.add(tf.sum(out.cellLogits!), tf.sum(out.logits));
          });
          assert.ok(Number.isFinite((await read(sum))[0]), `grid ${grid}: outputs are not finite`);
          sum.dispose();
        }
        tf.tidy(() => assert.equal(model.forward(batch.x, { training: false }).cellLogits, undefined));
      } finally {
        model.dispose();
        tf.dispose([batch.x, batch.labels]);
      }
    });

    forEachBackend('backward: a finite gradient reaches every parameter; running statistics move in training only', async () => {
      const model = createModel(name, args);
      const batch = seededBatch(new Rng(3), BATCH, INPUT, 3, CLASSES);
      const bufferNames = new Set(model.buffers().map((b) => b.name));
      try {
        const firstMean = model.buffers().find((b) => b.name.endsWith('running_mean'))!;
        const before = (await read(firstMean.variable)).slice();
        tf.tidy(() => {
          model.forward(batch.x, { training: false });
        });
        assert.deepEqual(await read(firstMean.variable), before, 'inference must not touch running statistics');
        const params = model.parameters();
        const magnitudes = tf.tidy(() => {
          const { grads } = tf.variableGrads(() => lossOf(model, batch, true, 2), params.map((p) => p.variable));
          return tf.stack(params.map((p) => {
            const grad = grads[p.variable.name];
            assert.ok(grad, `${p.name} has no gradient`);
            return tf.max(tf.abs(grad));
          }));
        });
        const values = await read(magnitudes);
        magnitudes.dispose();
        params.forEach((p, i) => {
          assert.ok(Number.isFinite(values[i]), `${p.name}: gradient is not finite`);
          if (!feedsBatchNorm(p.name, bufferNames)) assert.ok(values[i] > 0, `${p.name}: gradient is zero`);
        });
        assert.notDeepEqual(await read(firstMean.variable), before, 'training must update running statistics');
      } finally {
        model.dispose();
        tf.dispose([batch.x, batch.labels]);
      }
    });

    forEachBackend('no tensor leak over repeated training steps; dispose frees everything', async () => {
      const startCount = tf.memory().numTensors;
      const model = createModel(name, args);
      const batch = seededBatch(new Rng(4), BATCH, INPUT, 3, CLASSES);
      await sgdStep(model, batch, 0.01, 2);
      const afterFirst = tf.memory().numTensors;
      await sgdStep(model, batch, 0.01, 3);
      await sgdStep(model, batch, 0.01, 2);
      assert.equal(tf.memory().numTensors, afterFirst);
      model.dispose();
      tf.dispose([batch.x, batch.labels]);
      assert.equal(tf.memory().numTensors, startCount);
    });
  });
}
