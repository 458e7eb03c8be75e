// The training step: no tensor leaks over many steps, and the loss falls on a fixed batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from '../../src/data/readers/index';
import { DataLoader } from '../../src/data/loader';
import { Rng } from '../../src/engine/rng';
import { createMixMethod } from '../../src/mix/registry';
import { createModel } from '../../src/models/registry';
import { Sgd } from '../../src/train/optimizer';
import { trainStep, type StepContext } from '../../src/train/train-step';
import { optimizerSchema } from '../../src/config/schema';
import { useBackend } from '../helpers/backend';

async function context(method: string): Promise<{ ctx: StepContext; loader: DataLoader }> {
  const dataset = await loadDataset({ name: 'fashion-mnist-mini', trainLimit: 200, testLimit: 10 });
  const mix = createMixMethod({ method, grid: 4, p: 0.8, gamma: 0.15 });
  const model = createModel('resnet20', { numClasses: 10, inputSize: 28, inChannels: 1, localHead: mix.needsLocalHead, seed: 0, widthScale: 0.5 });
  const optimizer = new Sgd(model.parameters(), optimizerSchema.parse({ lr: 0.05 }));
  const ctx: StepContext = { model, method: mix, optimizer, numClasses: 10, localReduction: 'sum-over-cells', rng: new Rng(1), dropoutRng: new Rng(2) };
  return { ctx, loader: new DataLoader(dataset, 'train', { batchSize: 8, seed: 2 }) };
}

test('50 GridMix training steps on wasm: the live tensor count is the same after step 10 and step 50', async () => {
  await useBackend('wasm');
  const { ctx, loader } = await context('gridmix');
  let after10 = -1;
  for (let step = 1; step <= 50; step++) {
    let batch = loader.nextBatch();
    if (!batch) batch = loader.nextBatch()!;
    const result = await trainStep(ctx, batch, 0.05);
    batch.x.dispose();
    assert.ok(Number.isFinite(result.loss));
    if (step === 10) after10 = tf.memory().numTensors;
  }
  assert.equal(tf.memory().numTensors, after10);
  ctx.model.dispose();
  ctx.optimizer.dispose();
});

test('the loss falls when one batch is trained on repeatedly (baseline and gridmix)', async () => {
  await useBackend('wasm');
  for (const method of ['baseline', 'gridmix']) {
    const { ctx, loader } = await context(method);
    const batch = loader.nextBatch()!;
    // The same mixing draw each step, so the objective is fixed and must go down.
    const losses: number[] = [];
    for (let i = 0; i < 15; i++) {
      ctx.rng = new Rng(1);
      losses.push((await trainStep(ctx, batch, 0.05)).loss);
    }
    batch.x.dispose();
    assert.ok(losses[14] < 0.5 * losses[0], `${method}: ${losses.map((l) => l.toFixed(3)).join(' ')}`);
    ctx.model.dispose();
    ctx.optimizer.dispose();
  }
});

test('dropout masks come from the context\'s dropout stream: the same state trains the same step, another state another', async () => {
  await useBackend('wasm');
  // vgg11_bn at ImageNet size has torchvision's MLP head with dropout; narrow so the test stays small.
  const stepWith = (dropoutSeed: number): { weights: Float32Array; streamMoved: boolean } => {
    const model = createModel('vgg11_bn', { numClasses: 4, inputSize: 128, inChannels: 1, localHead: false, seed: 0, widthScale: 1 / 32 });
    const optimizer = new Sgd(model.parameters(), optimizerSchema.parse({ lr: 0.1 }));
    const dropoutRng = new Rng(dropoutSeed);
    const before = JSON.stringify(dropoutRng.getState());
    const ctx: StepContext = {
      model, method: createMixMethod({ method: 'baseline' }), optimizer, numClasses: 4, localReduction: 'sum-over-cells', rng: new Rng(1), dropoutRng,
    };
    const x = tf.randomNormal([2, 128, 128, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
    trainStep(ctx, { x, labels: Int32Array.from([1, 3]) }, 0.1);
    const weights = Float32Array.from(model.parameters().flatMap((p) => Array.from(p.variable.dataSync())));
    x.dispose();
    model.dispose();
    optimizer.dispose();
    return { weights, streamMoved: JSON.stringify(dropoutRng.getState()) !== before };
  };
  const first = stepWith(3);
  assert.ok(first.streamMoved, 'the step drew its masks from ctx.dropoutRng');
  assert.deepEqual(stepWith(3).weights, first.weights);
  assert.notDeepEqual(stepWith(4).weights, first.weights);
});
