// The command line on --backend tensorflow: train records the backend, a run killed mid-epoch and
// resumed ends with exactly the numbers of an uninterrupted run on the same backend, eval --test and
// --localization, ablate, preview and bench run on it, and a training step's loss falls with a flat
// tensor count. Skipped (saying why) where tfjs-node is not built; CI requires it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { gridmixOk, killWhenExists, metricsWithoutTime, summaryNumbers, tempDir, writeConfig } from '../helpers/cli';
import { tensorflowMissing } from '../helpers/tensorflow';
import { nativeAddonMissing } from '../helpers/native';
import { isolateUserCache, writeCubTree } from '../data/fixtures';
import { writeFreshRun } from '../helpers/run-folder';
import { createModel } from '../../src/models/registry';
import { Rng } from '../../src/engine/rng';
import { createMixMethod } from '../../src/mix/registry';
import { Sgd } from '../../src/train/optimizer';
import { trainStep } from '../../src/train/train-step';

const skip = tensorflowMissing() ?? false;
isolateUserCache();

const TINY = `
name: tiny-tf
seed: 3
backend: tensorflow
dataset: { name: fashion-mnist-mini, trainLimit: 80, testLimit: 40 }
backbone: { name: vgg_small }
method: { name: gridmix, grid: 4, p: 0.8, gamma: 0.15 }
training: { epochs: 2, batchSize: 20, evalBatchSize: 20, checkpointMinutes: 1.0e-6, optimizer: { lr: 0.05 } }
`;

test('train on tensorflow; a killed and resumed run equals an uninterrupted one; eval --test follows', { skip }, async () => {
  const dir = tempDir('tf-train');
  const config = writeConfig(dir, 'tiny.yaml', TINY);
  const reference = path.join(dir, 'ref');
  const stdout = gridmixOk(['train', '--config', config, '--out', reference]);
  assert.match(stdout, /^backend: tensorflow \(CPU\)$/m);
  const summary = JSON.parse(fs.readFileSync(path.join(reference, 'seed-3', 'summary.json'), 'utf8'));
  assert.equal(summary.backend, 'tensorflow');
  assert.deepEqual(summary.native_kernels, []);
  // The same seed on wasm gives the same first epoch's training loss (different summation orders only).
  const wasm = path.join(dir, 'wasm');
  gridmixOk(['train', '--config', config, '--out', wasm, '--backend', 'wasm', '--epochs', '1']);
  const trainLoss = (run: string) => Number(metricsWithoutTime(path.join(run, 'seed-3', 'metrics.csv'))[1].split(',')[2]);
  const [onTf, onWasm] = [trainLoss(reference), trainLoss(wasm)];
  assert.ok(Math.abs(onTf - onWasm) <= 1e-3 * Math.abs(onWasm), `epoch-1 train loss: tensorflow ${onTf}, wasm ${onWasm}`);

  // Killed after its first mid-epoch checkpoint (one is written after every step), then resumed.
  const out = path.join(dir, 'run');
  await killWhenExists(['train', '--config', config, '--out', out], path.join(out, 'seed-3', 'checkpoint', 'last.ckpt'));
  const resumed = gridmixOk(['train', '--config', config, '--out', out, '--resume']);
  assert.match(resumed, /resuming .* at epoch 1, image [1-9]\d* of the epoch/);
  assert.deepEqual(metricsWithoutTime(path.join(out, 'seed-3', 'metrics.csv')), metricsWithoutTime(path.join(reference, 'seed-3', 'metrics.csv')));
  assert.deepEqual(summaryNumbers(path.join(out, 'seed-3', 'summary.json')), summaryNumbers(path.join(reference, 'seed-3', 'summary.json')));

  const evalOut = gridmixOk(['eval', '--checkpoint', path.join(reference, 'seed-3'), '--test']);
  assert.match(evalOut, /^backend: tensorflow/m);
  const evaluated = JSON.parse(fs.readFileSync(path.join(reference, 'seed-3', 'eval-test.json'), 'utf8'));
  assert.equal(evaluated.top1, summary.top1, 'eval --test repeats the run\'s last test top-1');
});

test('ablate on tensorflow: one run per cell plus the baseline, Table 4 written', { skip }, () => {
  const dir = tempDir('tf-ablate');
  const config = writeConfig(dir, 'abl.yaml', `${TINY.replace('epochs: 2', 'epochs: 1')}sweep: { grid: [2] }\n`);
  const out = path.join(dir, 'abl');
  gridmixOk(['ablate', '--config', config, '--out', out]);
  for (const cell of ['grid4-p0.8-gamma0.15', 'grid2-p0.8-gamma0.15', 'baseline']) {
    const summary = JSON.parse(fs.readFileSync(path.join(out, `${cell}-seed3`, 'summary.json'), 'utf8'));
    assert.equal(summary.finished, true, cell);
    assert.equal(summary.backend, 'tensorflow', cell);
  }
  assert.ok(fs.existsSync(path.join(out, 'table4.md')));
});

test('preview and bench on tensorflow', { skip }, () => {
  const dir = tempDir('tf-preview');
  const preview = gridmixOk(['preview', '--method', 'gridmix', '--dataset', 'fashion-mnist-mini', '--count', '4', '--out', dir, '--backend', 'tensorflow']);
  assert.match(preview, /^backend: tensorflow/m);
  assert.ok(fs.existsSync(path.join(dir, 'preview.json')));
  const lines = gridmixOk(['bench', '--backend', 'tensorflow', '--quick', '--only', 'mixing', '--batch-size', '16', '--json']).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines[0].kind, 'environment');
  assert.equal(lines[0].backend, 'tensorflow');
  const step = lines.find((r) => r.kind === 'train-step');
  assert.ok(step && step.backend === 'tensorflow' && step.images_per_second > 0, JSON.stringify(step));
});

/** A CUB_200_2011 tree of two classes (64 x 48 JPEGs, boxes the whole image) and a run folder over it. */
async function localizationRun(): Promise<string> {
  const root = await writeCubTree('tf-cub', [1, 1, 0, 0], [0, 0, 64, 48]);
  return writeFreshRun('tf-cub-run', { name: 'cub-tf', seed: 4, backend: 'tensorflow', dataset: { name: 'cub200', root }, backbone: 'resnet20', numClasses: 2, inputSize: 224 });
}

test('eval --localization on tensorflow', { skip }, async () => {
  const runDir = await localizationRun();
  const stdout = gridmixOk(['eval', '--checkpoint', runDir, '--localization']);
  assert.match(stdout, /^backend: tensorflow/m);
  assert.match(stdout, /localization: Top-1 Cls [\d.]+%, GT-Known Loc [\d.]+%, Top-1 Loc [\d.]+% on 2 images/);
});

test('a training step on tensorflow: the loss falls over repeated steps and the tensor count stays flat', { skip }, async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-node');
  assert.ok(await tf.setBackend('tensorflow'));
  const rng = new Rng(11);
  const model = createModel('resnet20', { numClasses: 4, inputSize: 16, inChannels: 3, localHead: true, rng: rng.fork() });
  const optimizer = new Sgd(model.parameters(), { lr: 0.05, momentum: 0.9, nesterov: false, weightDecay: 0, decayNormAndBias: false });
  const ctx = { model, method: createMixMethod({ method: 'gridmix', grid: 2 }), optimizer, numClasses: 4, localReduction: 'sum-over-cells' as const, rng, dropoutRng: rng };
  const batch = { x: tf.randomNormal([8, 16, 16, 3], 0, 1, 'float32', 5) as tf.Tensor4D, labels: Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3]) };
  const losses: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < 10; i++) {
    losses.push((await trainStep(ctx, batch, 0.05)).loss);
    counts.push(tf.memory().numTensors);
  }
  batch.x.dispose();
  optimizer.dispose();
  model.dispose();
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(losses.slice(-3)) < mean(losses.slice(0, 3)), `losses ${losses.map((l) => l.toFixed(3))}`);
  assert.deepEqual(counts.slice(2), counts.slice(2).map(() => counts[2]), `tensor counts ${counts}`);
});

test('bench --only engines: the resnet20 step on wasm+onednn and tensorflow in one run, and their ratio', { skip: skip || nativeAddonMissing() || false }, () => {
  const records = gridmixOk(['bench', '--only', 'engines', '--quick', '--batch-size', '8', '--json']).trim().split('\n').map((l) => JSON.parse(l));
  const steps = records.filter((r) => r.kind === 'train-step' && r.section === 'engines');
  assert.deepEqual(steps.map((r) => r.backend), ['wasm+onednn', 'tensorflow']);
  const comparison = records.find((r) => r.kind === 'engine-comparison');
  assert.ok(comparison, JSON.stringify(records));
  assert.deepEqual(comparison.engines, ['wasm+onednn', 'tensorflow']);
  assert.ok(Math.abs(comparison.ratio - steps[0].images_per_second / steps[1].images_per_second) < 1e-9);
  assert.equal(comparison.order_holds, comparison.ratio >= 1);
});
