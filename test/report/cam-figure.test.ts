// gridmix figure attention --cam on CUB-200-2011's real layout (a tiny tree this test writes), and the
// figure command's one-line errors. The run folder is written directly (config.yaml and a checkpoint
// of a freshly initialised resnet20), as in test/e2e/eval-localization.test.ts: training at 224 px
// would take longer than the test budget, and the figure reads only those two files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { boxIoU } from '../../src/eval/localization-box';
import { isolateUserCache, tempFolder, writeCubTree } from '../data/fixtures';
import { gridmix } from '../helpers/cli';
import { writeFreshRun } from '../helpers/run-folder';

isolateUserCache();

/** Two classes, two training and two test images (64 x 48 JPEGs); each box is (8, 12) + 32 x 24 in the original pixels. */
const cubTree = () => writeCubTree('cub-figure', [1, 1, 0, 0], [8, 12, 32, 24]);

const writeRunFolder = (dataRoot: string, seed: number, method: string) =>
  writeFreshRun('cub-figure-run', {
    name: `cub-${method}`, seed, backend: 'wasm', dataset: { name: 'cub200', root: dataRoot }, backbone: 'resnet20', method, numClasses: 2, inputSize: 224,
    meta: { epochsDone: 1 },
  });

test('figure attention --cam: CAM of the predicted class with the protocol\'s box and the ground-truth box, per run', async (t) => {
  const dataRoot = await cubTree();
  const runs = [await writeRunFolder(dataRoot, 1, 'baseline'), await writeRunFolder(dataRoot, 2, 'cutmix')];
  // Kept after the test (its path printed), to be looked at.
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gridmix-cam-figure-')), 'cam.png');
  t.diagnostic(`figure: ${out}`);
  const r = gridmix(['figure', 'attention', '--cam', '--cam-threshold', '0.3', '--checkpoint', ...runs, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const meta = await sharp(out).metadata();
  assert.ok(meta.width! > 3 * 224 && meta.height! > 2 * 224, `${meta.width} x ${meta.height}`);
  const json = JSON.parse(fs.readFileSync(out.replace(/\.png$/, '.json'), 'utf8'));
  assert.equal(json.figure, 'attention-cam');
  assert.equal(json.cam_threshold, 0.3);
  assert.deepEqual(json.images.map((i: { index: number }) => i.index), [0, 1], 'both test images');
  assert.deepEqual(json.runs.map((run: { label: string }) => run.label), ['Baseline seed 1', 'CutMix seed 2']);
  // The box in original pixels (8, 12)-(40, 36), resized from 64 x 48 to 224 x 224.
  const groundTruth = { x0: 8 * 3.5, y0: 12 * (224 / 48), x1: 40 * 3.5, y1: 36 * (224 / 48) };
  for (const run of json.runs) {
    assert.deepEqual(run.feature_shape, [56, 56]);
    assert.equal(run.localization.images, 2);
    for (const map of run.maps) {
      assert.equal(map.scores.length, 56 * 56);
      assert.equal(map.map, undefined, 'image-size maps of 224 x 224 are not stored');
      for (const key of ['x0', 'y0', 'x1', 'y1'] as const) assert.ok(Math.abs(map.ground_truth[key] - groundTruth[key]) < 1e-3, key);
      assert.ok(map.box.x0 >= 0 && map.box.x1 <= 224 && map.box.x0 < map.box.x1 && map.box.y0 < map.box.y1);
      assert.ok(Math.abs(map.iou - boxIoU(map.box, map.ground_truth)) < 1e-3);
    }
  }
});

test('figure: bad input is one line and exit 1', () => {
  const nowhere = tempFolder('no-run');
  for (const [args, message] of [
    [['attention', '--checkpoint', nowhere], /is not a gridmix run folder/],
    [['attention', '--checkpoint', nowhere, '--cam-threshold', '0.3'], /--cam-threshold goes with --cam/],
    [['attention', '--checkpoint', nowhere, '--split', 'val'], /--split: "val" is not allowed; use test or train/],
    [['penultimate', '--checkpoint', nowhere, '--classes', '0,1'], /expects three classes A,B,C/],
    [['attention', '--checkpoint', nowhere, '--images', '0'], /--images expects a positive integer/],
  ] as const) {
    const r = gridmix(['figure', ...args]);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
  }
});
