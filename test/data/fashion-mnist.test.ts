import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { UserError } from '../../src/errors';
import { datasetShape } from '../../src/data/dataset-shapes';
import { encodeIdx, encodeIdxGz } from '../../src/data/idx';
import { loadDataset } from '../../src/data/readers';
import { DEBIAN_FASHION_MNIST, fashionMnist } from '../../src/data/readers/fashion-mnist';
import { missingDatasetError } from '../../src/data/readers/reader';
import { isolateUserCache, pixelValue, tempFolder, writeFashionMnist } from './fixtures';

const cache = isolateUserCache();

function fixture(): string {
  const dir = tempFolder('fmnist');
  writeFashionMnist(dir, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1], [9, 8, 7]);
  return dir;
}

test('reads IDX .gz files from the config root into HWC uint8 and int32 labels', async () => {
  const dataset = await loadDataset({ name: 'fashion-mnist', root: fixture() });
  assert.equal(dataset.train.count, 12);
  assert.equal(dataset.test.count, 3);
  assert.deepEqual([dataset.height, dataset.width, dataset.channels], [28, 28, 1]);
  assert.deepEqual([...dataset.test.labels], [9, 8, 7]);
  assert.equal(dataset.train.images[5 * 784 + 3 * 28 + 4], pixelValue(5, 3, 4, 0));
  assert.equal(dataset.classes[9], 'Ankle boot');
  assert.equal(dataset.mean.length, 1);
});

test('finds the files in the user cache when no root is given', async () => {
  writeFashionMnist(path.join(cache, 'fashion-mnist'), [1, 2], [3]);
  assert.equal(fashionMnist.locate({ name: 'fashion-mnist' }), path.join(cache, 'fashion-mnist'));
  fs.rmSync(path.join(cache, 'fashion-mnist'), { recursive: true });
});

test('a missing dataset names every place looked in and how to get it', () => {
  const message = missingDatasetError(fashionMnist, { name: 'fashion-mnist', root: '/nowhere' }).message;
  assert.match(message, /\/nowhere, .*fashion-mnist, \/usr\/share\/datasets\/fashion-mnist/);
  assert.match(message, /apt-get install dataset-fashion-mnist/);
});

test('a truncated .gz file is a one-line UserError naming the file', async () => {
  const dir = fixture();
  const file = path.join(dir, 'train-images-idx3-ubyte.gz');
  const bytes = fs.readFileSync(file);
  fs.writeFileSync(file, bytes.subarray(0, bytes.length >> 1));
  await assert.rejects(loadDataset({ name: 'fashion-mnist', root: dir }), (err: Error) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, /train-images-idx3-ubyte\.gz: not a complete gzip file/);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
});

test('a cut IDX payload reports found and expected byte counts', async () => {
  const dir = fixture();
  const raw = zlib.gunzipSync(fs.readFileSync(path.join(dir, 't10k-images-idx3-ubyte.gz')));
  fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte.gz'), zlib.gzipSync(raw.subarray(0, raw.length - 10)));
  await assert.rejects(loadDataset({ name: 'fashion-mnist', root: dir }), /t10k-images-idx3-ubyte.gz: 2358 bytes, expected 2368 for an IDX array of shape 3x28x28/);
});

test('a wrong magic number and a label count mismatch are reported', async () => {
  const dir = fixture();
  const labels = encodeIdx([3], Uint8Array.from([1, 2, 3]));
  labels[2] = 0x0c;
  fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte.gz'), zlib.gzipSync(labels));
  await assert.rejects(loadDataset({ name: 'fashion-mnist', root: dir }), /t10k-labels-idx1-ubyte.gz: IDX magic is 00 00 0c 01, expected 00 00 08 01/);
  fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte.gz'), encodeIdxGz([2], Uint8Array.from([1, 2])));
  await assert.rejects(loadDataset({ name: 'fashion-mnist', root: dir }), /t10k-labels-idx1-ubyte\.gz: 2 labels, expected 3/);
});

test('fashion-mnist-mini ships in the repository: 5000 + 1000 images, balanced classes', async () => {
  const dataset = await loadDataset({ name: 'fashion-mnist-mini' });
  assert.equal(dataset.train.count, 5000);
  assert.equal(dataset.test.count, 1000);
  for (const [split, perClass] of [[dataset.train, 500], [dataset.test, 100]] as const) {
    const counts = new Array(10).fill(0);
    split.labels.forEach((l) => counts[l]++);
    assert.deepEqual(counts, new Array(10).fill(perClass));
  }
  // Real Fashion-MNIST pixels: the well-known mean (0.286) and std (0.353).
  assert.ok(Math.abs(dataset.mean[0] - 0.286) < 0.005);
  assert.ok(Math.abs(dataset.std[0] - 0.353) < 0.005);
});

test('the declared shape matches what the mini dataset loads', async () => {
  const dataset = await loadDataset({ name: 'fashion-mnist-mini' });
  assert.deepEqual(datasetShape('fashion-mnist-mini'), {
    numClasses: dataset.classes.length,
    height: dataset.height,
    width: dataset.width,
    channels: dataset.channels,
  });
  assert.throws(() => datasetShape('mnist'), /unknown dataset "mnist"/);
});

const debian = fs.existsSync(path.join(DEBIAN_FASHION_MNIST, 'train-images-idx3-ubyte.gz'));

test('the real Debian Fashion-MNIST: 60000 + 10000 images, 1000 test images per class', { skip: !debian && 'dataset-fashion-mnist is not installed' }, async () => {
  const dataset = await loadDataset({ name: 'fashion-mnist' });
  assert.equal(dataset.train.count, 60000);
  const counts = new Array(10).fill(0);
  dataset.test.labels.forEach((l) => counts[l]++);
  assert.deepEqual(counts, new Array(10).fill(1000));
});

test('an unknown dataset name lists the choices', async () => {
  await assert.rejects(loadDataset({ name: 'mnist' }), /unknown dataset "mnist"; pick one of: fashion-mnist-mini, fashion-mnist, cifar10/);
});
