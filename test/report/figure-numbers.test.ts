// The numbers behind the pictures: the attention map is the formula, the projection plane is
// orthonormal and puts each template on its own vertex, the drift number is what it says, the
// penultimate activations are what the classifier multiplies, and the curves carry metrics.csv.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import * as ops from '../../src/engine/ops';
import { Rng } from '../../src/engine/rng';
import { createModel } from '../../src/models/registry';
import { curveGroups, curvePoints, CURVE_METRICS } from '../../src/report/curves';
import { attentionMaps, attentionScores } from '../../src/report/figures/attention-map';
import { wrapWords } from '../../src/report/figures/image-panels';
import { resolveClasses } from '../../src/report/figures/penultimate-figure';
import { cloudDrift, planeThrough, projectOnto } from '../../src/report/figures/plane-projection';
import { parseMetricsCsv, readMetricsCsv } from '../../src/report/metrics-csv';
import { writeMetrics, type Summary } from '../../src/train/run-files';
import { useBackend } from '../helpers/backend';

before(() => useBackend('wasm'));

const close = (a: number, b: number, tol = 1e-5) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

test('attention map: sum over channels of A^2, bilinear to the image (half-pixel centres), min-max normalised', () => {
  // One image, a 1 x 2 map with 3 channels: scores 1+4+0 = 5 and 9+0+16 = 25 (signs must not matter).
  const features = tf.tensor4d([1, -2, 0, 3, 0, -4], [1, 1, 2, 3]);
  assert.deepEqual(Array.from(attentionScores(features).dataSync()), [5, 25]);
  // To 1 x 4: source x = (i + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped to [0, 1].
  const a = 5;
  const b = 25;
  const upsampled = [a, 0.75 * a + 0.25 * b, 0.25 * a + 0.75 * b, b];
  const expected = upsampled.map((v) => (v - a) / (b - a));
  const maps = attentionMaps(features, 1, 4).dataSync();
  expected.forEach((v, i) => assert.ok(close(maps[i], v), `pixel ${i}: ${maps[i]} vs ${v}`));

  // A batch of two 2 x 2 maps at their own size: the normalised scores, per image.
  const values = Array.from({ length: 2 * 2 * 2 * 4 }, (_, i) => Math.sin(i + 1) * (i % 3));
  const batch = tf.tensor4d(values, [2, 2, 2, 4]);
  const same = attentionMaps(batch, 2, 2).dataSync();
  for (let image = 0; image < 2; image++) {
    const scores = [0, 1, 2, 3].map((p) => [0, 1, 2, 3].reduce((s, c) => s + values[image * 16 + p * 4 + c] ** 2, 0));
    const min = Math.min(...scores);
    const max = Math.max(...scores);
    scores.forEach((s, p) => assert.ok(close(same[image * 4 + p], (s - min) / (max - min)), `image ${image} pixel ${p}`));
  }
  tf.dispose([features, batch]);
});

test('projection: an orthonormal basis of the plane through three templates; each template lands on its own vertex', () => {
  const rng = new Rng(5);
  const d = 16;
  const templates = [0, 1, 2].map(() => Float64Array.from({ length: d }, () => rng.uniform() * 2 - 1)) as [Float64Array, Float64Array, Float64Array];
  const basis = planeThrough(templates);
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i], 0);
  assert.ok(close(dot(basis.e1, basis.e1), 1, 1e-12));
  assert.ok(close(dot(basis.e2, basis.e2), 1, 1e-12));
  assert.ok(Math.abs(dot(basis.e1, basis.e2)) < 1e-12);
  const vertices = templates.map((t) => projectOnto(basis, t));
  templates.forEach((t, k) => {
    // The template is in the plane: origin + its coordinates along e1, e2 give it back exactly.
    const [x, y] = vertices[k];
    for (let i = 0; i < d; i++) assert.ok(close(basis.origin[i] + x * basis.e1[i] + y * basis.e2[i], t[i], 1e-10), `template ${k}, component ${i}`);
    // Its own vertex: distances in the plane are the templates' distances.
    for (let j = 0; j < 3; j++) {
      const inSpace = Math.sqrt(templates[k].reduce((s, v, i) => s + (v - templates[j][i]) ** 2, 0));
      assert.ok(close(Math.hypot(vertices[k][0] - vertices[j][0], vertices[k][1] - vertices[j][1]), inSpace, 1e-10));
    }
  });
  assert.ok(Math.hypot(vertices[0][0] - vertices[1][0], vertices[0][1] - vertices[1][1]) > 0.1, 'distinct vertices');
  // A point off the plane projects orthogonally: template 0 plus a normal component lands on vertex 0.
  const normal = Float64Array.from({ length: d }, () => rng.uniform());
  const a = dot(normal, basis.e1);
  const b = dot(normal, basis.e2);
  const off = templates[0].map((v, i) => v + normal[i] - a * basis.e1[i] - b * basis.e2[i]);
  const [px, py] = projectOnto(basis, off);
  assert.ok(close(px, vertices[0][0], 1e-10) && close(py, vertices[0][1], 1e-10));
  // The centroid is the origin.
  assert.ok(close(vertices.reduce((s, v) => s + v[0], 0), 0, 1e-10) && close(vertices.reduce((s, v) => s + v[1], 0), 0, 1e-10));

  assert.throws(() => planeThrough([templates[0], templates[0], templates[1]]), /two of the three templates are equal/);
  const line = templates[1].map((v, i) => 2 * v - templates[0][i]);
  assert.throws(() => planeThrough([templates[0], templates[1], line]), /lie on one line/);
});

test('drift: per class, the train-to-test centroid shift over the pooled within-class spread, averaged over classes', () => {
  const points = [
    // class 0: train centroid (1, 0), test centroid (1, 3): shift 3; squared distances 1+1 and 1+1 over 4 points: spread 1.
    { cls: 0, split: 'train' as const, x: 0, y: 0 },
    { cls: 0, split: 'train' as const, x: 2, y: 0 },
    { cls: 0, split: 'test' as const, x: 1, y: 2 },
    { cls: 0, split: 'test' as const, x: 1, y: 4 },
    // class 1: shift 0 (same centroid), spread 2: ratio 0.
    { cls: 1, split: 'train' as const, x: -2, y: 5 },
    { cls: 1, split: 'train' as const, x: 2, y: 5 },
    { cls: 1, split: 'test' as const, x: 0, y: 3 },
    { cls: 1, split: 'test' as const, x: 0, y: 7 },
    // class 2: training points only, so no ratio.
    { cls: 2, split: 'train' as const, x: 9, y: 9 },
  ];
  const drift = cloudDrift(points);
  assert.deepEqual(drift.perClass.map((c) => [c.cls, c.shift, c.spread]), [[0, 3, 1], [1, 0, 2]]);
  assert.equal(drift.drift, 1.5);
  assert.throws(() => cloudDrift(points.filter((p) => p.split === 'train')), /no class has both/);
});

test('penultimate activations are what the classifier multiplies: pooled features . W + b = logits', () => {
  const model = createModel('vgg_small', { numClasses: 4, inputSize: 28, inChannels: 1, localHead: false, seed: 2 });
  const x = tf.randomNormal([3, 28, 28, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
  const { logits, features } = model.forward(x, { training: false });
  const weights = model.camWeights()!;
  const bias = model.parameters().find((p) => p.name.endsWith('bias') && p.variable.shape[0] === 4 && p.variable.rank === 1)!.variable;
  const recomputed = tf.add(tf.matMul(ops.globalAvgPool(features), weights), bias);
  const got = recomputed.dataSync();
  logits.dataSync().forEach((v, i) => assert.ok(close(v, got[i], 1e-4), `${v} vs ${got[i]}`));
  tf.dispose([x, logits, features, recomputed]);
  model.dispose();
});

test('--classes: names or indices, three different ones, or one clear error', () => {
  const classes = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress'];
  assert.deepEqual(resolveClasses(['0', 'Trouser', '3'], classes), [0, 1, 3]);
  assert.throws(() => resolveClasses(['0', '1'], classes), /takes three classes/);
  assert.throws(() => resolveClasses(['0', '1', 'Sock'], classes), /"Sock" is neither a class name nor an index in \[0, 3\]/);
  assert.throws(() => resolveClasses(['0', 'T-shirt/top', '2'], classes), /three different classes/);
});

test('curves: a run\'s points are exactly its metrics.csv, as written by the training loop', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridmix-curves-'));
  const file = path.join(dir, 'metrics.csv');
  const rows = [
    { epoch: 1, lr: 0.05, train_loss: 2.3456789, train_acc: 12.345, test_top1: 20.5, test_top5: 60, seconds: 1.234 },
    { epoch: 2, lr: 0.025, train_loss: 1.9, train_acc: 30.1, test_top1: 33.33, test_top5: 80, seconds: 1.1 },
  ];
  writeMetrics(file, rows);
  const read = readMetricsCsv(file);
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const points = curvePoints('exp/seed-0', 'Baseline', 0, read);
  assert.equal(points.length, rows.length * CURVE_METRICS.length);
  // Columns 0, 2, 3, 4 of the file: epoch, train_loss, train_acc, test_top1.
  assert.deepEqual(points.map((p) => [p.epoch, p.metric, p.value]), lines.flatMap((l) => [[l[0], 'train loss', l[2]], [l[0], 'train accuracy (%)', l[3]], [l[0], 'test top-1 (%)', l[4]]]));
  assert.throws(() => parseMetricsCsv('epoch,lr\n1,0.1\n', 'm.csv'), /m\.csv has no column train_loss/);
  // A finished run whose metrics.csv is damaged has no curve: it comes back as a problem, with the reason.
  const damaged = path.join(dir, 'damaged');
  fs.mkdirSync(damaged);
  fs.writeFileSync(path.join(damaged, 'metrics.csv'), 'epoch,lr,train_loss,train_acc,test_top1,test_top5,seconds\n1,0.1,nan?,1,1,1,1\n');
  const record = (runDir: string) => ({ dir: runDir, summary: { method: 'baseline', finished: true, dataset: 'd', backbone: 'b', seed: 0, ablation_cell: null } as unknown as Summary, batchSize: 8, recipe: 'r', evals: {} });
  const { groups, problems } = curveGroups([record(dir), record(damaged)]);
  assert.deepEqual(groups.map((g) => g.runs.map((r) => r.record.dir)), [[dir]]);
  assert.equal(problems.length, 1);
  assert.match(problems[0].reason, /damaged\/metrics\.csv line 2: train_loss is "nan\?", not a number/);
  assert.throws(() => parseMetricsCsv('epoch,lr,train_loss,train_acc,test_top1,test_top5,seconds\n1,0.1,x,1,1,1,1\n', 'm.csv'), /m\.csv line 2: train_loss is "x", not a number/);
});

test('column titles wrap at word boundaries', () => {
  assert.deepEqual(wrapWords('GridMix w. Eq.(4) seed 0', 17), ['GridMix w. Eq.(4)', 'seed 0']);
  assert.deepEqual(wrapWords('image', 17), ['image']);
  assert.deepEqual(wrapWords('001.Black footed', 8), ['001.Blac', 'k footed']);
});
