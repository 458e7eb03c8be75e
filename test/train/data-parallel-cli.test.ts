// training.workers: 2 through the real command line: the results layout, same seed same numbers,
// kill -9 then --resume ends where an uninterrupted 2-worker run does, and the refusal off wasm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { gridmix, killWhenExists, metricsWithoutTime, summaryNumbers, tempDir, writeConfig } from '../helpers/cli';
import { defaultWasmId } from '../helpers/native';

const TWO_WORKERS = `
name: tiny
seed: 3
backend: wasm
dataset: { name: fashion-mnist-mini, trainLimit: 120, testLimit: 60 }
backbone: { name: resnet20 }
method: { name: gridmix, grid: 4, p: 0.8, gamma: 0.15 }
training: { epochs: 3, batchSize: 50, workers: 2, optimizer: { lr: 0.05 } }
`; // 120 images in batches of 50: the last batch (20) is split too

test('two workers: results layout, same numbers twice, kill -9 then --resume = uninterrupted', async () => {
  const dir = tempDir('data-parallel');
  const config = writeConfig(dir, 'tiny.yaml', TWO_WORKERS);
  const [a, b, c] = ['a', 'b', 'c'].map((name) => path.join(dir, name));
  const first = gridmix(['train', '--config', config, '--out', a]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, new RegExp(`data-parallel: 2 worker threads, one ${defaultWasmId().replace('+', '\\+')} replica each`));
  for (const f of ['config.yaml', 'metrics.csv', 'summary.json', 'samples.png', 'checkpoint/last.ckpt']) {
    assert.ok(fs.existsSync(path.join(a, 'seed-3', f)), `${f} exists`);
  }
  const summary = JSON.parse(fs.readFileSync(path.join(a, 'seed-3', 'summary.json'), 'utf8'));
  assert.equal(summary.finished, true);
  assert.equal(summary.backend, defaultWasmId(), 'the workers use the native kernels when the main thread does');
  assert.equal(fs.readFileSync(path.join(a, 'seed-3', 'metrics.csv'), 'utf8').trim().split('\n').length, 4);

  assert.equal(gridmix(['train', '--config', config, '--out', b]).code, 0);
  assert.deepEqual(summaryNumbers(path.join(b, 'seed-3', 'summary.json')), summaryNumbers(path.join(a, 'seed-3', 'summary.json')));
  assert.deepEqual(metricsWithoutTime(path.join(b, 'seed-3', 'metrics.csv')), metricsWithoutTime(path.join(a, 'seed-3', 'metrics.csv')));

  // Kill once the first epoch's checkpoint is on disk, i.e. during epoch 2.
  const summaryFile = path.join(c, 'seed-3', 'summary.json');
  await killWhenExists(['train', '--config', config, '--out', c], summaryFile);
  assert.equal(JSON.parse(fs.readFileSync(summaryFile, 'utf8')).finished, false);

  const resumed = gridmix(['train', '--config', config, '--out', c, '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /resuming .* at epoch 2/);
  assert.deepEqual(summaryNumbers(summaryFile), summaryNumbers(path.join(a, 'seed-3', 'summary.json')));
  assert.deepEqual(metricsWithoutTime(path.join(c, 'seed-3', 'metrics.csv')), metricsWithoutTime(path.join(a, 'seed-3', 'metrics.csv')));
});

test('two workers with --no-native: plain wasm replicas, recorded as wasm', () => {
  const dir = tempDir('data-parallel-plain');
  const config = writeConfig(dir, 'tiny.yaml', TWO_WORKERS);
  const out = path.join(dir, 'out');
  const r = gridmix(['train', '--config', config, '--out', out, '--epochs', '1', '--no-native']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /data-parallel: 2 worker threads, one wasm replica each/);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'seed-3', 'summary.json'), 'utf8'));
  assert.equal(summary.backend, 'wasm');
  assert.deepEqual(summary.native_kernels, []);
});

test('training.workers: 2 on the cpu backend exits 1 with one line', () => {
  const dir = tempDir('data-parallel-cpu');
  const config = writeConfig(dir, 'tiny.yaml', TWO_WORKERS.replace('backend: wasm', 'backend: cpu'));
  const r = gridmix(['train', '--config', config, '--out', path.join(dir, 'out')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /training\.workers: 2 is for the wasm backend/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});
