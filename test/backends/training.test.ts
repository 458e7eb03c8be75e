// Training on each test backend (test/helpers/backend.ts): a step's loss falls when one batch is
// trained on repeatedly, the live-tensor count stays flat over steps, and a run stopped mid-epoch
// and resumed ends with exactly the numbers of an uninterrupted one (per-step losses, metrics,
// summary). Tiny on purpose: a software WebGPU adapter runs these on the CPU.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { InterruptedError } from '../../src/errors';
import { Rng } from '../../src/engine/rng';
import { createMixMethod } from '../../src/mix/registry';
import { createModel } from '../../src/models/registry';
import { Sgd } from '../../src/train/optimizer';
import { trainStep, type StepContext } from '../../src/train/train-step';
import { optimizerSchema } from '../../src/config/schema';
import { metricsWithoutTime, summaryNumbers } from '../helpers/cli';
import { forEachBackend, useBackend } from '../helpers/backend';
import { tinyRun } from './tiny-run';

const CLASSES = 4;
const SIZE = 16;

function stepContext(method: string): { ctx: StepContext; x: tf.Tensor4D; labels: Int32Array } {
  const mix = createMixMethod({ method: method as 'gridmix' | 'baseline', grid: 2 });
  const model = createModel('resnet20', { numClasses: CLASSES, inputSize: SIZE, inChannels: 3, localHead: mix.needsLocalHead, seed: 5 });
  const optimizer = new Sgd(model.parameters(), optimizerSchema.parse({ lr: 0.05 }));
  const rng = new Rng(6);
  const pixels = Float32Array.from({ length: 4 * SIZE * SIZE * 3 }, () => rng.normal());
  const labels = Int32Array.from({ length: 4 }, (_, i) => i % CLASSES);
  const ctx: StepContext = { model, method: mix, optimizer, numClasses: CLASSES, localReduction: 'sum-over-cells', rng: new Rng(1), dropoutRng: new Rng(2) };
  return { ctx, x: tf.tensor4d(pixels, [4, SIZE, SIZE, 3]), labels };
}

forEachBackend('the loss of a GridMix step falls when one batch is trained on repeatedly; the tensor count stays flat', async () => {
  const { ctx, x, labels } = stepContext('gridmix');
  const losses: number[] = [];
  const counts: number[] = [];
  try {
    for (let i = 0; i < 8; i++) {
      ctx.rng = new Rng(1); // the same mixing draw each step: a fixed objective, which must go down
      losses.push((await trainStep(ctx, { x, labels }, 0.05)).loss);
      counts.push(tf.memory().numTensors);
    }
  } finally {
    ctx.model.dispose();
    ctx.optimizer.dispose();
    x.dispose();
  }
  assert.ok(losses.every(Number.isFinite), `losses ${losses.join(' ')}`);
  assert.ok(losses[7] < 0.5 * losses[0], `the loss did not fall: ${losses.map((l) => l.toFixed(4)).join(' ')}`);
  assert.deepEqual(counts.slice(1), counts.slice(1).map(() => counts[1]), `tensor counts over steps: ${counts.join(' ')}`);
});

forEachBackend('a run stopped mid-epoch and resumed ends with the numbers of an uninterrupted run', async (backend) => {
  const options = { trainLimit: 16, testLimit: 8, batchSize: 4, epochs: 2 } as const;
  const whole = await tinyRun({ ...options, backend });
  assert.equal(whole.error, undefined, whole.error?.message);
  const stopped = await tinyRun({ ...options, backend, stopAfterStep: 6 }); // epoch 2, step 2
  assert.ok(stopped.error instanceof InterruptedError, `expected the run to stop: ${stopped.error?.message}`);
  const resumed = await tinyRun({ ...options, backend, runDir: stopped.runDir, resume: true });
  assert.equal(resumed.error, undefined, resumed.error?.message);
  assert.deepEqual([...stopped.losses, ...resumed.losses], whole.losses, 'per-step losses');
  const files = (dir: string) => ({ metrics: metricsWithoutTime(path.join(dir, 'metrics.csv')), summary: summaryNumbers(path.join(dir, 'summary.json')) });
  assert.deepEqual(files(resumed.runDir), files(whole.runDir));
  for (const dir of [whole.runDir, stopped.runDir]) fs.rmSync(dir, { recursive: true, force: true });
});

forEachBackend('the same seed gives wasm\'s first-step losses to 1e-4 relative, and a 1-epoch top-1 within 1 point of wasm\'s', async (backend, t) => {
  const options = { trainLimit: 200, testLimit: 100, batchSize: 20, epochs: 1 } as const;
  const here = await tinyRun({ ...options, backend });
  assert.equal(here.error, undefined, here.error?.message);
  await useBackend('wasm');
  const reference = await tinyRun({ ...options, backend: 'wasm' });
  assert.equal(reference.error, undefined, reference.error?.message);
  for (const step of [0, 1]) {
    const relative = Math.abs(here.losses[step] - reference.losses[step]) / Math.abs(reference.losses[step]);
    assert.ok(relative < 1e-4, `step ${step + 1}: ${here.losses[step]} on ${backend}, ${reference.losses[step]} on wasm (relative ${relative.toExponential(2)})`);
  }
  const [top1, wasmTop1] = [here.summary?.top1, reference.summary?.top1];
  assert.ok(typeof top1 === 'number' && typeof wasmTop1 === 'number', `top-1 ${top1} on ${backend}, ${wasmTop1} on wasm`);
  assert.ok(Math.abs(top1 - wasmTop1) <= 1, `top-1 ${top1} on ${backend}, ${wasmTop1} on wasm`);
  t.diagnostic(`${backend}: step losses ${here.losses.slice(0, 2).join(', ')} (wasm ${reference.losses.slice(0, 2).join(', ')}); top-1 ${top1} (wasm ${wasmTop1})`);
}, { except: { wasm: 'the reference itself' } });
