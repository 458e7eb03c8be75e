// CAM localisation on the wasm backend: the maps (class scores, half-pixel bilinear up-sampling,
// min-max), and evaluateLocalization on a small synthetic dataset with boxes and a resnet20, whose
// numbers must agree with each other and with the classification evaluator.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../src/errors';
import type { Dataset } from '../../src/data/dataset';
import { Rng } from '../../src/engine/rng';
import { evaluate } from '../../src/eval/classification';
import { evaluateLocalization, IOU_THRESHOLD } from '../../src/eval/localization';
import { classActivationMaps, classScoreMaps } from '../../src/eval/localization-cam';
import type { Model } from '../../src/models/model';
import { createModel } from '../../src/models/registry';
import { useBackend } from '../helpers/backend';

before(() => useBackend('wasm'));

const SIDE = 32;
const CLASSES = 3;

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let k = 0; k < expected.length; k++) assert.ok(Math.abs(actual[k] - expected[k]) <= tolerance, `[${k}] ${actual[k]} vs ${expected[k]}`);
}

test('class score maps: features . W[:, class of each image]', () => {
  // Two images of 1 x 2 positions with 2 channels; 3 classes.
  const features = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 1, 2, 2]);
  const weights = tf.tensor2d([1, 0, -1, 10, 100, 1], [2, 3]); // W[c, k]
  const maps = classScoreMaps(features, weights, tf.tensor1d([1, 2], 'int32'));
  // Image 0, class 1: W[:, 1] = [0, 100]: positions (1,2) -> 200, (3,4) -> 400. Image 1, class 2: [-1, 1] -> 1, 1.
  assert.deepEqual(maps.shape, [2, 1, 2]);
  close(maps.dataSync(), [200, 400, 1, 1]);
  tf.dispose([features, weights, maps]);
});

test('class activation maps: bilinear with half-pixel centres, min-max to [0, 1]; a flat map is all 0', () => {
  const features = tf.tensor4d([0, 3, 0, 3, 5, 5, 5, 5], [2, 2, 2, 1]); // image 0 rows [0, 3]; image 1 flat
  const weights = tf.tensor2d([2], [1, 1]);
  const cams = classActivationMaps(features, weights, tf.tensor1d([0, 0], 'int32'), 4, 4);
  assert.deepEqual(cams.shape, [2, 4, 4]);
  const values = cams.dataSync();
  // Output column j samples source column (j + 0.5) / 2 - 0.5, clamped: 0, 0.25, 0.75, 1 of the way.
  for (let row = 0; row < 4; row++) close(values.subarray(row * 4, row * 4 + 4), [0, 0.25, 0.75, 1]);
  close(values.subarray(16), new Array(16).fill(0));
  tf.dispose([features, weights, cams]);
});

test('the mean of a class score map is the logit minus the bias (CAM reads the classifier it explains)', () => {
  const model = createModel('resnet20', { numClasses: CLASSES, inputSize: SIDE, inChannels: 3, localHead: false, seed: 3 });
  const rng = new Rng(1);
  const x = tf.tensor4d(Float32Array.from({ length: 2 * SIDE * SIDE * 3 }, () => rng.normal()), [2, SIDE, SIDE, 3]);
  const { logits, features } = model.forward(x, { training: false });
  const bias = model.parameters().find((p) => p.name === 'fc.bias')!.variable.dataSync();
  const logitValues = logits.dataSync();
  for (let k = 0; k < CLASSES; k++) {
    const maps = classScoreMaps(features, model.camWeights()!, tf.tensor1d([k, k], 'int32'));
    const means = tf.mean(maps, [1, 2]).dataSync();
    close(means, [logitValues[k] - bias[k], logitValues[CLASSES + k] - bias[k]], 1e-4);
    maps.dispose();
  }
  tf.dispose([x, logits, features]);
  model.dispose();
});

/** count test images of seeded noise with labels 0, 1, 2, ... and the given box for each. */
function syntheticDataset(count: number, box: [number, number, number, number]): Dataset {
  const rng = new Rng(7);
  const bytes = SIDE * SIDE * 3;
  const split = {
    images: Uint8Array.from({ length: count * bytes }, () => rng.int(256)),
    labels: Int32Array.from({ length: count }, (_, i) => i % CLASSES),
    count,
    boxes: Float32Array.from({ length: count * 4 }, (_, k) => box[k % 4]),
  };
  return {
    name: 'synthetic-boxes',
    classes: ['a', 'b', 'c'],
    height: SIDE,
    width: SIDE,
    channels: 3,
    train: split,
    test: split,
    mean: [0.5, 0.5, 0.5],
    std: [0.29, 0.29, 0.29],
  };
}

test('evaluateLocalization: consistent numbers on a synthetic set with boxes', async () => {
  const model = createModel('resnet20', { numClasses: CLASSES, inputSize: SIDE, inChannels: 3, localHead: false, seed: 11 });
  const before = tf.memory().numTensors;

  // Threshold 0 keeps every pixel: the CAM box is the whole image, so a whole-image box is always found
  // and a 1-pixel box in a corner never is.
  const whole = syntheticDataset(10, [0, 0, SIDE, SIDE]);
  const all = await evaluateLocalization(model, whole, { batchSize: 4, camThreshold: 0 });
  assert.equal(all.count, 10);
  assert.equal(all.gtKnownLoc, 100);
  assert.equal(all.top1Loc, all.top1Cls);
  for (const image of all.images) assert.deepEqual(image.box, { x0: 0, y0: 0, x1: SIDE, y1: SIDE });
  assert.equal(all.top1Cls, (await evaluate(model, whole, { batchSize: 4 })).top1, 'Top-1 Cls is the classification top-1');
  const corner = await evaluateLocalization(model, syntheticDataset(10, [0, 0, 1, 1]), { batchSize: 4, camThreshold: 0 });
  assert.equal(corner.gtKnownLoc, 0);
  assert.equal(corner.top1Loc, 0);

  // The default threshold: boxes inside the image, and the three numbers agree with the per-image records.
  const central = syntheticDataset(10, [8, 8, 24, 24]);
  const result = await evaluateLocalization(model, central, { batchSize: 3 });
  assert.equal(result.camThreshold, 0.2);
  assert.deepEqual(result.images.map((r) => r.index), [...Array(10).keys()]);
  for (const { box, iou } of result.images) {
    assert.ok(box.x0 >= 0 && box.y0 >= 0 && box.x1 <= SIDE && box.y1 <= SIDE && box.x1 > box.x0 && box.y1 > box.y0, JSON.stringify(box));
    assert.ok(iou >= 0 && iou <= 1);
  }
  const percent = (n: number) => (100 * n) / result.count;
  assert.equal(result.gtKnownLoc, percent(result.images.filter((r) => r.iou >= IOU_THRESHOLD).length));
  assert.equal(result.top1Loc, percent(result.images.filter((r) => r.iou >= IOU_THRESHOLD && r.predicted === r.label).length));
  assert.ok(result.top1Loc <= Math.min(result.top1Cls, result.gtKnownLoc));
  assert.equal(result.top1Cls, all.top1Cls);
  assert.equal(tf.memory().numTensors, before, 'no tensor leak');
  model.dispose();
});

/**
 * A model whose feature map is the image itself and whose classifier is the identity on the channel
 * means: class k's CAM is channel k, so the right boxes are known exactly.
 */
function channelModel(): Model & { camWeights(): tf.Tensor2D } {
  const identity = tf.eye(CLASSES) as tf.Tensor2D;
  return {
    name: 'channel-means',
    numClasses: CLASSES,
    forward: (x) => tf.tidy(() => ({ features: tf.clone(x), logits: tf.mean(x, [1, 2]) as tf.Tensor2D })),
    camWeights: () => identity,
    parameters: () => [],
    buffers: () => [],
    dispose: () => identity.dispose(),
  };
}

interface Scene {
  label: number;
  /** The channel the square lights up (the predicted class). */
  lit: number;
  square: [number, number, number, number];
  groundTruth: [number, number, number, number];
  /** A dimmer, smaller square in the label's own channel (when the label is not the lit channel). */
  labelSquare?: [number, number, number, number];
}

/** Black images with a bright square, plus a small dimmer blob that the largest-region rule must skip. */
function sceneDataset(scenes: Scene[]): Dataset {
  const bytes = SIDE * SIDE * 3;
  const images = new Uint8Array(scenes.length * bytes);
  const paint = (i: number, channel: number, [x0, y0, x1, y1]: [number, number, number, number], value: number) => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) images[i * bytes + (y * SIDE + x) * 3 + channel] = value;
  };
  scenes.forEach(({ lit, square, label, labelSquare }, i) => {
    paint(i, lit, square, 250);
    images[i * bytes + (30 * SIDE + 30) * 3 + lit] = 255; // the peak, alone in a corner
    if (labelSquare) paint(i, label, labelSquare, 200);
  });
  const test = {
    images,
    labels: Int32Array.from(scenes, (s) => s.label),
    count: scenes.length,
    boxes: Float32Array.from(scenes.flatMap((s) => s.groundTruth)),
  };
  return { ...syntheticDataset(1, [0, 0, 1, 1]), test };
}

test('evaluateLocalization: known CAMs give the box of the largest region and exact Top-1 Cls / GT-Known / Top-1 Loc', async () => {
  const square: [number, number, number, number] = [4, 6, 20, 18];
  const scenes: Scene[] = [
    { label: 0, lit: 0, square, groundTruth: square }, // right class, right box
    { label: 1, lit: 1, square, groundTruth: [5, 6, 20, 18] }, // IoU 15/16: found
    { label: 2, lit: 2, square, groundTruth: [12, 6, 28, 18] }, // IoU 8/24: missed
    { label: 2, lit: 0, square, groundTruth: square }, // wrong class; the true class's map is flat: whole-image box, missed
    { label: 1, lit: 2, square, groundTruth: [0, 20, 8, 28] }, // wrong class, box missed
  ];
  const model = channelModel();
  const result = await evaluateLocalization(model, sceneDataset(scenes), { batchSize: 2 });
  const whole = { x0: 0, y0: 0, x1: SIDE, y1: SIDE };
  const squareBox = { x0: 4, y0: 6, x1: 20, y1: 18 };
  assert.deepEqual(result.images.map((r) => r.box), [squareBox, squareBox, squareBox, whole, whole]);
  assert.deepEqual(result.images.map((r) => r.predicted), [0, 1, 2, 0, 2]);
  close(result.images.map((r) => r.iou), [1, 15 / 16, 8 / 24, (16 * 12) / (SIDE * SIDE), (8 * 8) / (SIDE * SIDE)]);
  assert.equal(result.top1Cls, 60);
  assert.equal(result.gtKnownLoc, 40);
  assert.equal(result.top1Loc, 40);
  model.dispose();
});

test('evaluateLocalization: GT-Known Loc boxes the ground-truth class\'s CAM, Top-1 Loc the predicted class\'s', async () => {
  // The predicted class (the bright square) and the true class (a dimmer square elsewhere) put their
  // boxes in different places; the ground-truth box is where the true class's map is.
  const bright: [number, number, number, number] = [2, 2, 18, 18]; // mean 250 x 256/1024: predicted
  const dim: [number, number, number, number] = [20, 20, 30, 30]; // mean 200 x 100/1024
  const scenes: Scene[] = [
    { label: 1, lit: 0, square: bright, labelSquare: dim, groundTruth: dim }, // wrong class, true map on the box
    { label: 2, lit: 1, square: bright, labelSquare: dim, groundTruth: bright }, // wrong class, predicted map on the box
    { label: 0, lit: 0, square: bright, groundTruth: bright }, // right class, right box
  ];
  const model = channelModel();
  const result = await evaluateLocalization(model, sceneDataset(scenes), { batchSize: 3 });
  assert.deepEqual(result.images.map((r) => r.predicted), [0, 1, 0]);
  const box = ([x0, y0, x1, y1]: [number, number, number, number]) => ({ x0, y0, x1, y1 });
  assert.deepEqual(result.images.map((r) => r.box), [box(dim), box(dim), box(bright)], 'the ground-truth class\'s box');
  close(result.images.map((r) => r.iou), [1, 0, 1]);
  // GT-Known: images 0 and 2 (the predicted class's box would have found 1 and 2 instead).
  assert.equal(result.gtKnownLoc, (100 * 2) / 3);
  // Top-1 Loc: only image 2 is classified right and located; image 1's predicted box is on the
  // ground truth, but a wrong class never counts.
  assert.equal(result.top1Cls, 100 / 3);
  assert.equal(result.top1Loc, 100 / 3);
  model.dispose();
});

test('evaluateLocalization: clear errors for a head without CAM, a set without boxes, a bad threshold', async () => {
  const data = syntheticDataset(2, [0, 0, SIDE, SIDE]);
  const vgg = createModel('vgg11_bn', { numClasses: CLASSES, inputSize: SIDE, inChannels: 3, localHead: false, widthScale: 1 / 16 });
  await assert.rejects(
    () => evaluateLocalization(vgg, data, { batchSize: 2 }),
    (err: unknown) => err instanceof UserError && /vgg11_bn has no class activation maps/.test(err.message) && /needs one of: vgg16_gap, .*resnet20, vgg_small/.test(err.message),
  );
  vgg.dispose();
  const model = createModel('resnet20', { numClasses: CLASSES, inputSize: SIDE, inChannels: 3, localHead: false });
  const noBoxes = { ...data, test: { ...data.test, boxes: undefined } };
  await assert.rejects(() => evaluateLocalization(model, noBoxes, { batchSize: 2 }), /synthetic-boxes has no ground-truth boxes/);
  await assert.rejects(() => evaluateLocalization(model, data, { batchSize: 2, camThreshold: 1.5 }), /--cam-threshold: 1\.5 is not allowed/);
  model.dispose();
});
