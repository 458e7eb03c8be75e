// gridmix preview on the shipped fashion-mnist-mini with --no-augment: every PNG pixel is traced back
// to the two source images the JSON names (by their dataset indices), cell by cell for GridMix, box
// for CutMix, blend for MixUp, and lambda is checked against the share of pixels that came from A.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { PNG } from 'pngjs';
import * as tf from '@tensorflow/tfjs';
import { previewCommand, type PreviewOptions } from '../../src/cli/preview';
import type { Dataset } from '../../src/data/dataset';
import { loadDataset } from '../../src/data/readers';
import type { PreviewManifest } from '../../src/report/preview';
import type { PreviewSampleRecord } from '../../src/report/preview-samples';
import { tempFolder as tempDir } from '../data/fixtures';
import { gridmix } from '../helpers/cli';

const SIDE = 28;
const COUNT = 12;
const quiet = () => {};

let data: Dataset | undefined;
async function fashionMnistMini(): Promise<Dataset> {
  data ??= await loadDataset({ name: 'fashion-mnist-mini' });
  return data;
}

async function runPreview(options: Partial<PreviewOptions> & { method: string }): Promise<{ dir: string; manifest: PreviewManifest }> {
  const dir = tempDir('preview');
  await previewCommand({ dataset: 'fashion-mnist-mini', count: COUNT, out: dir, augment: false, seed: 5, backend: 'wasm', log: quiet, ...options });
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'preview.json'), 'utf8')) as PreviewManifest;
  return { dir, manifest };
}

/** The grayscale PNG's values (checked to be a 28 x 28 grayscale image). */
function readGrayPng(file: string): Uint8Array {
  const bytes = fs.readFileSync(file);
  assert.equal(bytes[25], 0, 'PNG colour type 0 (grayscale)');
  const png = PNG.sync.read(bytes);
  assert.equal(png.width, SIDE);
  assert.equal(png.height, SIDE);
  return Uint8Array.from({ length: SIDE * SIDE }, (_, k) => png.data[k * 4]);
}

interface Sources {
  mixed: Uint8Array;
  a: Uint8Array;
  b: Uint8Array;
}

async function sourcesOf(dir: string, sample: PreviewSampleRecord & { file: string }): Promise<Sources> {
  const dataset = await fashionMnistMini();
  const split = dataset[sample.split];
  const image = (index: number) => split.images.subarray(index * SIDE * SIDE, (index + 1) * SIDE * SIDE);
  for (const source of [sample.a, sample.b]) {
    assert.equal(source.label, split.labels[source.index], 'the label is the dataset\'s label of that index');
    assert.equal(source.className, dataset.classes[source.label]);
  }
  return { mixed: readGrayPng(path.join(dir, sample.file)), a: image(sample.a.index), b: image(sample.b.index) };
}

/** Grid cell of a pixel row or column, per the documented tiling: cell i starts at floor(i * side / N). */
function cellOf(pixel: number, grid: number): number {
  let cell = 0;
  while (cell + 1 < grid && Math.floor(((cell + 1) * SIDE) / grid) <= pixel) cell++;
  return cell;
}

/** Checks each pixel against its source per `fromA`; returns the share of pixels from A. */
function checkCopiedPixels(sources: Sources, fromA: (y: number, x: number) => boolean, what: string): number {
  let fromACount = 0;
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const k = y * SIDE + x;
      const keepA = fromA(y, x);
      if (keepA) fromACount++;
      assert.equal(sources.mixed[k], keepA ? sources.a[k] : sources.b[k], `${what}: pixel (${y}, ${x}) should come from ${keepA ? 'A' : 'B'}`);
    }
  }
  return fromACount / (SIDE * SIDE);
}

function assertNotVacuous(manifest: PreviewManifest): void {
  assert.equal(manifest.samples.length, COUNT);
  assert.ok(manifest.samples.some((s) => s.a.index !== s.b.index), 'some samples mix two different images');
}

// 5 does not divide 28: cells of 5 and 6 pixels, tiled as the JSON's conventions say.
for (const grid of [4, 7, 5]) {
  test(`preview gridmix ${grid}x${grid}: every pixel comes from the image its cell names; lambda = pixel share`, async () => {
    const { dir, manifest } = await runPreview({ method: 'gridmix', grid, p: 0.6 });
    assert.deepEqual(manifest.options, { grid, p: 0.6 });
    assertNotVacuous(manifest);
    let cellsFromB = 0;
    for (const sample of manifest.samples) {
      assert.equal(sample.grid, grid);
      const mask = sample.mask!;
      assert.equal(mask.length, grid);
      const share = checkCopiedPixels(await sourcesOf(dir, sample), (y, x) => mask[cellOf(y, grid)][cellOf(x, grid)] === 1, sample.file);
      assert.ok(Math.abs(share - sample.lambda) < 1e-6, `${sample.file}: lambda ${sample.lambda} vs pixel share ${share}`);
      mask.forEach((row, i) => row.forEach((m, j) => assert.equal(sample.patchLabels![i][j], m === 1 ? sample.a.label : sample.b.label)));
      cellsFromB += mask.flat().filter((m) => m === 0).length;
    }
    assert.ok(cellsFromB > 0, 'some cells were taken from B');
  });
}

test('preview cutmix: pixels inside the box come from B, the rest from A; lambda = pixel share', async () => {
  const { dir, manifest } = await runPreview({ method: 'cutmix' });
  assertNotVacuous(manifest);
  for (const sample of manifest.samples) {
    const box = sample.box!;
    const inBox = (y: number, x: number) => y >= box.y0 && y < box.y1 && x >= box.x0 && x < box.x1;
    const share = checkCopiedPixels(await sourcesOf(dir, sample), (y, x) => !inBox(y, x), sample.file);
    assert.ok(Math.abs(share - sample.lambda) < 1e-6, `${sample.file}: lambda ${sample.lambda} vs pixel share ${share}`);
  }
  assert.ok(manifest.samples.some((s) => s.lambda < 1), 'the box is not empty');
});

test('preview mixup: every pixel is the convex mix of A and B within rounding; lambda fits the pixels', async () => {
  const { dir, manifest } = await runPreview({ method: 'mixup', alpha: 1 });
  assertNotVacuous(manifest);
  assert.ok(manifest.samples.every((s) => s.lambda > 0.05 && s.lambda < 0.95), 'a real blend');
  for (const sample of manifest.samples) {
    const { mixed, a, b } = await sourcesOf(dir, sample);
    const lam = sample.lambda;
    let num = 0;
    let den = 0;
    for (let k = 0; k < mixed.length; k++) {
      const exact = lam * a[k] + (1 - lam) * b[k];
      assert.ok(Math.abs(mixed[k] - exact) <= 0.5 + 1e-3, `${sample.file}: pixel ${k} is ${mixed[k]}, the mix is ${exact}`);
      num += (mixed[k] - b[k]) * (a[k] - b[k]);
      den += (a[k] - b[k]) ** 2;
    }
    // The least-squares weight of A recovered from the pixels.
    if (den > 0) assert.ok(Math.abs(num / den - lam) < 0.01, `${sample.file}: pixels say lambda ${num / den}, the JSON ${lam}`);
  }
});

test('preview: the same seed writes the same samples; augmentation keeps the size; no tensor left behind', async () => {
  const first = await runPreview({ method: 'gridmix', augment: true });
  const live = tf.memory().numTensors;
  const again = await runPreview({ method: 'gridmix', augment: true });
  assert.deepEqual(again.manifest.samples, first.manifest.samples);
  for (const { file } of first.manifest.samples) {
    assert.deepEqual(fs.readFileSync(path.join(again.dir, file)), fs.readFileSync(path.join(first.dir, file)));
  }
  assert.equal(first.manifest.augment, true);
  assert.equal(tf.memory().numTensors, live);
});

test('gridmix preview through the CLI; bad flags are one line and exit 1', () => {
  const dir = tempDir('preview-cli');
  const ok = gridmix(['preview', '--method', 'cutmix', '--dataset', 'fashion-mnist-mini', '--count', '3', '--out', dir, '--split', 'test', '--backend', 'wasm']);
  assert.equal(ok.code, 0, ok.stderr);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'preview.json'), 'utf8')) as PreviewManifest;
  assert.equal(manifest.split, 'test');
  assert.equal(manifest.augment, false, 'test samples are not augmented by default');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['preview.json', 'sample-000.png', 'sample-001.png', 'sample-002.png']);
  const bad: Array<[string[], RegExp]> = [
    [['--method', 'blend'], /unknown method "blend"; pick one of: baseline, mixup, cutmix, gridmix/],
    [['--method', 'gridmix', '--p', '1.5'], /--p: 1\.5 is not allowed; use a number in \(0, 1\]/],
    [['--method', 'gridmix', '--grid', '29'], /--grid: 29 is larger than fashion-mnist-mini's 28 x 28 images/],
    [['--method', 'mixup', '--count', '0'], /--count: 0 is not allowed/],
  ];
  for (const [flags, message] of bad) {
    const r = gridmix(['preview', '--dataset', 'fashion-mnist-mini', '--out', dir, ...flags]);
    assert.equal(r.code, 1, flags.join(' '));
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line, no stack');
  }
  const unknownDataset = gridmix(['preview', '--method', 'gridmix', '--dataset', 'mnist', '--out', dir]);
  assert.equal(unknownDataset.code, 1);
  assert.match(unknownDataset.stderr, /unknown dataset "mnist"/);
});
