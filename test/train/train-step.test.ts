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
  const ctx: StepContext = { model, method: mix, optimizer, numClasses: 10, localReduction: 'sum-over-cells', rng: new Rng(1) };
  return { ctx, loader: new DataLoader(dataset, 'train', { batchSize: 8, seed: 2 }) };
}

test('50 GridMix training steps on wasm: the live tensor count is the same after step 10 and step 50', async () => {
  await useBackend('wasm');
  const { ctx, loader } = await context('gridmix');
  let after10 = -1;
  for (let step = 1; step <= 50; step++) {
    let batch = loader.nextBatch();
    if (!batch) batch = loader.nextBatch()!;
    const result = trainStep(ctx, batch, 0.05);
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
      losses.push(trainStep(ctx, batch, 0.05).loss);
    }
    batch.x.dispose();
    assert.ok(losses[14] < 0.5 * losses[0], `${method}: ${losses.map((l) => l.toFixed(3)).join(' ')}`);
    ctx.model.dispose();
    ctx.optimizer.dispose();
  }
});
