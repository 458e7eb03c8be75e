// The `native` config key and --no-native through the real command line: train, eval, ablate and
// preview record the backend they ran on ('wasm' or 'wasm+onednn') and the ops on native kernels.
// The flag only ever turns the kernels off: without it, a config's native: false stays false
// (commander's --no-native makes opts.native true by default, which must not override the file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { REPO, gridmix, tempDir, writeConfig } from '../helpers/cli';
import { nativeAddonMissing } from '../helpers/native';

// One epoch of 40 images: enough to exercise every kernel, a few seconds per run.
const TINY = `
name: tiny-native
seed: 2
backend: wasm
dataset: { name: fashion-mnist-mini, trainLimit: 40, testLimit: 20 }
backbone: { name: resnet20 }
method: { name: gridmix, grid: 4, p: 0.8, gamma: 0.15 }
training: { epochs: 1, batchSize: 20, evalBatchSize: 20, optimizer: { lr: 0.05 } }
`;

type RunRecord = { backend: string; native_kernels: string[]; onednn?: { built_against: string; loaded: string } | null };

function readJson(file: string): RunRecord {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord;
}

function train(args: string[]): void {
  const r = gridmix(['train', ...args]);
  assert.equal(r.code, 0, r.stderr);
}

test('train --no-native records plain wasm; eval follows the run config; a config with native: false needs no flag', () => {
  const dir = tempDir('no-native');
  const config = writeConfig(dir, 'tiny.yaml', TINY);
  const out = path.join(dir, 'plain');
  train(['--config', config, '--out', out, '--no-native']);
  const run = path.join(out, 'seed-2');
  const summary = readJson(path.join(run, 'summary.json'));
  assert.equal(summary.backend, 'wasm');
  assert.deepEqual(summary.native_kernels, []);
  assert.equal(summary.onednn, null, 'no oneDNN version for a run without the native kernels');
  assert.match(fs.readFileSync(path.join(run, 'config.yaml'), 'utf8'), /^native: false$/m, 'the resolved config keeps the flag');

  // No flag: eval uses the run's config, which says native: false.
  const evaluated = gridmix(['eval', '--checkpoint', run, '--test']);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.equal(readJson(path.join(run, 'eval-test.json')).backend, 'wasm');

  // A config that says native: false, no flag: stays plain wasm.
  const offConfig = writeConfig(dir, 'off.yaml', `${TINY}native: false\n`);
  const offOut = path.join(dir, 'off');
  train(['--config', offConfig, '--out', offOut]);
  assert.equal(readJson(path.join(offOut, 'seed-2', 'summary.json')).backend, 'wasm');
});

test('without --no-native, a wasm run records wasm+onednn and its native ops; eval --no-native overrides the run config', (t) => {
  const missing = nativeAddonMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  const dir = tempDir('native');
  const out = path.join(dir, 'run');
  const r = gridmix(['train', '--config', writeConfig(dir, 'tiny.yaml', TINY), '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const run = path.join(out, 'seed-2');
  const summary = readJson(path.join(run, 'summary.json'));
  assert.equal(summary.backend, 'wasm+onednn');
  // The oneDNN the addon was built against and loaded, in the record and on the backend line.
  const built = /against oneDNN (\d+\.\d+\.\d+)/.exec(fs.readFileSync(path.join(REPO, 'native', 'build', 'status.txt'), 'utf8'))?.[1];
  assert.ok(built, 'native/build/status.txt names the oneDNN version');
  assert.equal(summary.onednn?.built_against, built);
  assert.match(summary.onednn?.loaded ?? '', new RegExp(`^${built.split('.')[0]}\\.`), 'the loaded library has the same major');
  assert.match(r.stdout, new RegExp(`backend: wasm\\+onednn \\(oneDNN ${summary.onednn?.loaded.replace(/\./g, '\\.')}`));
  assert.ok(summary.native_kernels.includes('conv2d'), `conv2d among the native ops: ${summary.native_kernels.join(', ')}`);
  assert.match(fs.readFileSync(path.join(run, 'config.yaml'), 'utf8'), /^native: true$/m);

  const plainEval = gridmix(['eval', '--checkpoint', run, '--test', '--no-native']);
  assert.equal(plainEval.code, 0, plainEval.stderr);
  const plainRecord = readJson(path.join(run, 'eval-test.json'));
  assert.equal(plainRecord.backend, 'wasm', '--no-native overrides the run config');
  assert.deepEqual(plainRecord.native_kernels, []);
  const nativeEval = gridmix(['eval', '--checkpoint', run, '--test']);
  assert.equal(nativeEval.code, 0, nativeEval.stderr);
  assert.equal(readJson(path.join(run, 'eval-test.json')).backend, 'wasm+onednn');
});

test('ablate --no-native: every cell records plain wasm', () => {
  const dir = tempDir('ablate-native');
  const config = writeConfig(dir, 'ablate.yaml', `${TINY}sweep: { grid: [2] }\n`);
  const out = path.join(dir, 'abl');
  const r = gridmix(['ablate', '--config', config, '--out', out, '--no-native']);
  assert.equal(r.code, 0, r.stderr);
  const cells = fs.readdirSync(out).filter((name) => fs.existsSync(path.join(out, name, 'summary.json')));
  assert.ok(cells.length > 0, `cells in ${out}`);
  for (const cell of cells) {
    const summary = readJson(path.join(out, cell, 'summary.json'));
    assert.equal(summary.backend, 'wasm', cell);
    assert.deepEqual(summary.native_kernels, [], cell);
  }
});

test('preview --no-native records plain wasm in preview.json', () => {
  const dir = tempDir('preview-native');
  const r = gridmix(['preview', '--method', 'gridmix', '--dataset', 'fashion-mnist-mini', '--count', '2', '--out', dir, '--backend', 'wasm', '--no-native']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /backend: wasm \(1 thread\)/);
  assert.equal(readJson(path.join(dir, 'preview.json')).backend, 'wasm');
});
