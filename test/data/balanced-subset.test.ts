import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { balancedSubsetIndices } from '../../src/data/balanced-subset';
import { loadDataset } from '../../src/data/readers';
import { cifarRecords, isolateUserCache, tempFolder } from './fixtures';

isolateUserCache();

function countsOf(labels: ArrayLike<number>, indices: ArrayLike<number>): Map<number, number> {
  const counts = new Map<number, number>();
  for (let k = 0; k < indices.length; k++) counts.set(labels[indices[k]], (counts.get(labels[indices[k]]) ?? 0) + 1);
  return counts;
}

// 3 classes with 50, 30 and 4 items.
const labels = [...new Array(50).fill(0), ...new Array(30).fill(1), ...new Array(4).fill(2)];

test('class counts differ by at most one while every class has items left', () => {
  const subset = balancedSubsetIndices(labels, 11, 7);
  const counts = countsOf(labels, subset);
  assert.equal(subset.length, 11);
  assert.deepEqual([...counts.values()].sort(), [3, 4, 4]);
});

test('a class that runs out gives its turns to the others', () => {
  const counts = countsOf(labels, balancedSubsetIndices(labels, 40, 7));
  assert.equal(counts.get(2), 4);
  assert.equal(counts.get(0), 18);
  assert.equal(counts.get(1), 18);
});

test('seeded: the same seed picks the same items, another seed others; indices are ascending and distinct', () => {
  const a = balancedSubsetIndices(labels, 20, 7);
  assert.deepEqual(a, balancedSubsetIndices(labels, 20, 7));
  assert.notDeepEqual(a, balancedSubsetIndices(labels, 20, 8));
  for (let k = 1; k < a.length; k++) assert.ok(a[k] > a[k - 1]);
});

test('a limit at or above the split size keeps everything', () => {
  assert.equal(balancedSubsetIndices(labels, 1000, 1).length, labels.length);
});

test('trainLimit / testLimit apply to a loaded dataset, images following their labels', async () => {
  const root = tempFolder('limit');
  const train = Array.from({ length: 40 }, (_, i) => [i % 4, (i % 4) * 10]);
  fs.writeFileSync(path.join(root, 'train.bin'), cifarRecords(train));
  fs.writeFileSync(path.join(root, 'test.bin'), cifarRecords(train.slice(0, 12)));
  const full = await loadDataset({ name: 'cifar100', root });
  const limited = await loadDataset({ name: 'cifar100', root, trainLimit: 8, testLimit: 4, seed: 3 });
  assert.equal(limited.train.count, 8);
  assert.equal(limited.test.count, 4);
  assert.deepEqual([...countsOf(limited.train.labels, [0, 1, 2, 3, 4, 5, 6, 7]).values()], [2, 2, 2, 2]);
  // Each kept image is the full dataset's image with the same label: find it by its pixels.
  for (let k = 0; k < limited.train.count; k++) {
    const image = Buffer.from(limited.train.images.subarray(k * 3072, (k + 1) * 3072));
    const match = [...Array(full.train.count).keys()].find((i) => image.equals(Buffer.from(full.train.images.subarray(i * 3072, (i + 1) * 3072))));
    assert.notEqual(match, undefined);
    assert.equal(full.train.labels[match!], limited.train.labels[k]);
  }
  const again = await loadDataset({ name: 'cifar100', root, trainLimit: 8, testLimit: 4, seed: 3 });
  assert.deepEqual(again.train.images, limited.train.images);
});
