// End to end through the real command line: train -> files of the results layout -> report, and the
// promises around it: no silent overwrite, same seed same numbers, kill -9 then --resume = uninterrupted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { gridmix, killWhenExists, metricsWithoutTime, summaryNumbers, tempDir, writeConfig } from '../helpers/cli';
import { defaultWasmId } from '../helpers/native';

const TINY = `
name: tiny
seed: 3
backend: wasm
dataset: { name: fashion-mnist-mini, trainLimit: 120, testLimit: 60 }
backbone: { name: resnet20 }
method: { name: gridmix, grid: 4, p: 0.8, gamma: 0.15 }
training: { epochs: 2, batchSize: 40, optimizer: { lr: 0.05 } }
`;

test('train writes the results layout; eval re-evaluates the checkpoint; report puts the run in Table 1', () => {
  const dir = tempDir('e2e');
  const config = writeConfig(dir, 'tiny.yaml', TINY);
  const out = path.join(dir, 'results', 'tiny');
  const r = gridmix(['train', '--config', config, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /backend: wasm/);
  const run = path.join(out, 'seed-3');
  for (const f of ['config.yaml', 'metrics.csv', 'summary.json', 'samples.png', 'checkpoint/last.ckpt']) {
    assert.ok(fs.existsSync(path.join(run, f)), `${f} exists`);
  }
  const metrics = fs.readFileSync(path.join(run, 'metrics.csv'), 'utf8').trim().split('\n');
  assert.equal(metrics[0], 'epoch,lr,train_loss,train_acc,test_top1,test_top5,seconds');
  assert.equal(metrics.length, 3);
  const summary = JSON.parse(fs.readFileSync(path.join(run, 'summary.json'), 'utf8'));
  assert.equal(summary.finished, true);
  assert.equal(summary.method, 'gridmix');
  assert.equal(summary.backend, defaultWasmId(), 'native kernels are on by default where they were built');
  assert.equal(summary.epochs, 2);
  assert.ok(summary.top1 >= 0 && summary.top1 <= 100);
  assert.ok(summary.top5 >= summary.top1);
  assert.equal(summary.top1, Number(metrics[2].split(',')[4]));
  assert.ok(summary.parameters > 250000);

  const again = gridmix(['train', '--config', config, '--out', out]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /holds a finished run; use --force/);
  assert.doesNotMatch(again.stderr, /at .*\.js:\d+/, 'no stack trace');

  const evaluated = gridmix(['eval', '--checkpoint', run, '--test']);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const evalJson = JSON.parse(fs.readFileSync(path.join(run, 'eval-test.json'), 'utf8'));
  assert.equal(evalJson.top1, summary.top1, 'the checkpoint re-evaluates to the final epoch\'s top-1');
  assert.equal(evalJson.top5, summary.top5);
  assert.equal(evalJson.images, 60);

  const report = gridmix(['report', '--results', path.join(dir, 'results')]);
  assert.equal(report.code, 0, report.stderr);
  const table1 = fs.readFileSync(path.join(dir, 'results', 'tables', 'table1.md'), 'utf8');
  assert.match(table1, /cifar100 \/ vgg19_bn \| 73\.95 \/ not run/);
  const row = table1.split('\n').find((l) => l.startsWith('| fashion-mnist-mini / resnet20'));
  assert.ok(row, 'a row for our own dataset/backbone');
  assert.ok(row.includes(`— / ${summary.top1.toFixed(2)}`), row);
  const csv = fs.readFileSync(path.join(dir, 'results', 'tables', 'table1.csv'), 'utf8');
  assert.match(csv, new RegExp(`fashion-mnist-mini / resnet20 \\[2 epochs · 120 train images · batch 40 · lr 0\\.05 step\\] \\(not in the paper\\),GridMix w\\. Eq\\.\\(4\\),,${summary.top1.toFixed(2)},0\\.00,1,`));
});

test('same seed, same numbers; kill -9 mid-run then --resume ends where an uninterrupted run does', async () => {
  const dir = tempDir('resume');
  const config = writeConfig(dir, 'tiny.yaml', TINY.replace('epochs: 2', 'epochs: 3'));
  const a = path.join(dir, 'a');
  const b = path.join(dir, 'b');
  const c = path.join(dir, 'c');
  assert.equal(gridmix(['train', '--config', config, '--out', a]).code, 0);
  assert.equal(gridmix(['train', '--config', config, '--out', b]).code, 0);
  assert.deepEqual(summaryNumbers(path.join(b, 'seed-3', 'summary.json')), summaryNumbers(path.join(a, 'seed-3', 'summary.json')));
  assert.deepEqual(metricsWithoutTime(path.join(b, 'seed-3', 'metrics.csv')), metricsWithoutTime(path.join(a, 'seed-3', 'metrics.csv')));

  // Kill once the first epoch's checkpoint is on disk, i.e. during epoch 2.
  const metrics = path.join(c, 'seed-3', 'metrics.csv');
  const summaryFile = path.join(c, 'seed-3', 'summary.json');
  await killWhenExists(['train', '--config', config, '--out', c], summaryFile);
  const summaryAfterKill = JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
  assert.equal(summaryAfterKill.finished, false);

  const noResume = gridmix(['train', '--config', config, '--out', c]);
  assert.equal(noResume.code, 1);
  assert.match(noResume.stderr, /holds an unfinished run; use --resume/);

  const resumed = gridmix(['train', '--config', config, '--out', c, '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /resuming .* at epoch 2/);
  assert.deepEqual(summaryNumbers(path.join(c, 'seed-3', 'summary.json')), summaryNumbers(path.join(a, 'seed-3', 'summary.json')));
  assert.deepEqual(metricsWithoutTime(metrics), metricsWithoutTime(path.join(a, 'seed-3', 'metrics.csv')));
});
