// gridmix eval --localization through the real command line, on a run folder over a tiny
// CUB_200_2011 tree in its real format. The run folder is written directly (config.yaml and a
// checkpoint of a freshly initialised resnet20, whose head has CAM weights): training at CUB's 224 px
// would take longer than the whole test budget, and eval only reads those two files.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { loadDataset } from '../../src/data/readers';
import { evaluateLocalization } from '../../src/eval/localization';
import { createModel } from '../../src/models/registry';
import { isolateUserCache, tempFolder, writeCubTree } from '../data/fixtures';
import { useBackend } from '../helpers/backend';
import { gridmix } from '../helpers/cli';
import { FRESH_NORMALIZATION, writeFreshRun } from '../helpers/run-folder';

isolateUserCache();
before(() => useBackend('wasm'));

/** Two classes, four training and three test images (64 x 48 JPEGs), each box the whole image. */
const cubTree = () => writeCubTree('cub-loc', [1, 1, 1, 1, 0, 0, 0], [0, 0, 64, 48]);

/** config.yaml plus checkpoint/last.ckpt, as a finished `gridmix train` run leaves them. */
const writeRunFolder = (dataRoot: string) =>
  writeFreshRun('cub-run', { name: 'cub-localization', seed: 4, backend: 'wasm', dataset: { name: 'cub200', root: dataRoot }, backbone: 'resnet20', numClasses: 2, inputSize: 224 });

test('eval --localization writes eval-localization.json with the keys the report reads', async () => {
  const dataRoot = await cubTree();
  const runDir = await writeRunFolder(dataRoot);

  // The same numbers as evaluating in-process with the checkpoint's normalisation.
  const r = gridmix(['eval', '--checkpoint', path.join(runDir, 'checkpoint'), '--localization']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /localization: Top-1 Cls [\d.]+%, GT-Known Loc [\d.]+%, Top-1 Loc [\d.]+% on 3 images/);
  const json = JSON.parse(fs.readFileSync(path.join(runDir, 'eval-localization.json'), 'utf8'));
  assert.equal(json.kind, 'localization');
  assert.equal(json.dataset, 'cub200');
  assert.equal(json.threshold, 0.2);
  assert.equal(json.image_size, 224, 'a config.yaml without dataset.imageSize: the reader\'s default');
  assert.match(json.protocol, /GT-Known Loc: the ground-truth class's box/);
  assert.match(json.protocol, /Top-1 Loc: the predicted class's box/);
  for (const key of ['top1_cls', 'gt_known_loc', 'top1_loc']) {
    assert.equal(typeof json[key], 'number', key);
    assert.equal(json[key], Math.round(json[key] * 100) / 100, `${key} has two decimals`);
  }
  assert.ok(json.top1_loc <= Math.min(json.top1_cls, json.gt_known_loc));
  const dataset = await loadDataset({ name: 'cub200', root: dataRoot });
  const model = createModel('resnet20', { numClasses: 2, inputSize: 224, inChannels: 3, localHead: false, seed: 4 });
  const normalised = { ...dataset, ...FRESH_NORMALIZATION };
  const direct = await evaluateLocalization(model, normalised, { batchSize: 3 });
  assert.equal(json.images, 3);
  assert.deepEqual(
    [json.top1_cls, json.gt_known_loc, json.top1_loc],
    [direct.top1Cls, direct.gtKnownLoc, direct.top1Loc].map((x) => Math.round(x * 100) / 100),
  );
  // Threshold 0 keeps every pixel: the CAM box is the whole image, which is every ground-truth box here.
  const everything = await evaluateLocalization(model, normalised, { batchSize: 3, camThreshold: 0 });
  assert.equal(everything.gtKnownLoc, 100);
  assert.equal(everything.top1Loc, everything.top1Cls);
  assert.equal(everything.top1Cls, direct.top1Cls);
  model.dispose();
});

test('dataset.imageSize: train on CUB at 32 px, recorded in config.yaml and summary.json, and eval --localization reads at that size', async () => {
  const dataRoot = await cubTree();
  const dir = tempFolder('cub-size');
  const config = path.join(dir, 'cub32.yaml');
  fs.writeFileSync(
    config,
    [
      'name: cub32',
      'backend: wasm',
      `dataset: { name: cub200, root: ${JSON.stringify(dataRoot)}, imageSize: 32 }`,
      'backbone: { name: resnet20 }',
      'method: { name: baseline }',
      'training: { epochs: 1, batchSize: 2, evalBatchSize: 2, optimizer: { lr: 0.01 } }',
      '',
    ].join('\n'),
  );
  const out = path.join(dir, 'results');
  const train = gridmix(['train', '--config', config, '--out', out, '--no-native']);
  assert.equal(train.code, 0, train.stderr);
  const runDir = path.join(out, 'seed-0');
  assert.match(fs.readFileSync(path.join(runDir, 'config.yaml'), 'utf8'), /imageSize: 32/);
  assert.equal(JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')).image_size, 32);

  const r = gridmix(['eval', '--checkpoint', runDir, '--localization', '--no-native']);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(fs.readFileSync(path.join(runDir, 'eval-localization.json'), 'utf8'));
  assert.equal(json.image_size, 32);
  // The boxes were scaled to 32 px: the whole-image box of every test image is found at threshold 0.
  const zero = gridmix(['eval', '--checkpoint', runDir, '--localization', '--cam-threshold', '0', '--no-native']);
  assert.equal(zero.code, 0, zero.stderr);
  assert.equal(JSON.parse(fs.readFileSync(path.join(runDir, 'eval-localization.json'), 'utf8')).gt_known_loc, 100);
  const test = gridmix(['eval', '--checkpoint', runDir, '--test', '--no-native']);
  assert.equal(test.code, 0, test.stderr);
  assert.equal(JSON.parse(fs.readFileSync(path.join(runDir, 'eval-test.json'), 'utf8')).image_size, 32);
});

test('eval: a bad --cam-threshold, or one without --localization, is one line and exit 1', () => {
  const nowhere = tempFolder('no-run');
  for (const [flags, message] of [
    [['--localization', '--cam-threshold', '1.5'], /--cam-threshold: 1\.5 is not allowed; use a number in \[0, 1\]/],
    [['--test', '--cam-threshold', '0.3'], /--cam-threshold goes with --localization/],
  ] as const) {
    const r = gridmix(['eval', '--checkpoint', nowhere, ...flags]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});
