import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadDataset } from '../../src/data/readers';
import { cifarRecords, isolateUserCache, pixelValue, tempFolder } from './fixtures';

const cache = isolateUserCache();

function cifar10Fixture(): string {
  const root = tempFolder('cifar10');
  const dir = path.join(root, 'cifar-10-batches-bin');
  fs.mkdirSync(dir);
  for (let b = 1; b <= 5; b++) fs.writeFileSync(path.join(dir, `data_batch_${b}.bin`), cifarRecords([[b - 1], [b + 4]]));
  fs.writeFileSync(path.join(dir, 'test_batch.bin'), cifarRecords([[3], [7], [9]]));
  fs.writeFileSync(path.join(dir, 'batches.meta.txt'), 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n');
  return root;
}

test('cifar10: reads the five training batches and the test batch, CHW planes to HWC', async () => {
  const dataset = await loadDataset({ name: 'cifar10', root: cifar10Fixture() });
  assert.equal(dataset.train.count, 10);
  assert.equal(dataset.test.count, 3);
  assert.deepEqual([...dataset.train.labels], [0, 5, 1, 6, 2, 7, 3, 8, 4, 9]);
  assert.deepEqual([...dataset.test.labels], [3, 7, 9]);
  assert.equal(dataset.classes[9], 'truck');
  const image = 2;
  for (const [y, x, c] of [[0, 0, 0], [5, 17, 1], [31, 31, 2]]) {
    assert.equal(dataset.test.images[image * 3072 + (y * 32 + x) * 3 + c], pixelValue(image, y, x, c));
  }
  assert.equal(dataset.mean.length, 3);
});

test('cifar10 testOnly: the training batches are not read (a broken one does not matter), the test split is whole', async () => {
  const root = cifar10Fixture();
  const full = await loadDataset({ name: 'cifar10', root });
  fs.writeFileSync(path.join(root, 'cifar-10-batches-bin', 'data_batch_1.bin'), 'not whole records');
  const testOnly = await loadDataset({ name: 'cifar10', root, testOnly: true });
  assert.equal(testOnly.train.count, 0);
  assert.deepEqual(testOnly.test.images, full.test.images);
  assert.deepEqual(testOnly.test.labels, full.test.labels);
  await assert.rejects(loadDataset({ name: 'cifar10', root }), /data_batch_1\.bin/);
});

test('cifar100: uses the fine label (second byte) and the fine class names', async () => {
  const root = tempFolder('cifar100');
  fs.writeFileSync(path.join(root, 'train.bin'), cifarRecords([[0, 42], [19, 99], [5, 0]]));
  fs.writeFileSync(path.join(root, 'test.bin'), cifarRecords([[3, 7]]));
  const names = Array.from({ length: 100 }, (_, i) => `fine${i}`);
  fs.writeFileSync(path.join(root, 'fine_label_names.txt'), names.join('\n') + '\n');
  const dataset = await loadDataset({ name: 'cifar100', root });
  assert.deepEqual([...dataset.train.labels], [42, 99, 0]);
  assert.deepEqual([...dataset.test.labels], [7]);
  assert.equal(dataset.classes[42], 'fine42');
  assert.equal(dataset.train.images[1 * 3072 + (4 * 32 + 9) * 3 + 1], pixelValue(1, 4, 9, 1));
});

test('a file that is not a whole number of records names the file and the record size', async () => {
  const root = tempFolder('cifar100-bad');
  fs.writeFileSync(path.join(root, 'train.bin'), Buffer.concat([cifarRecords([[0, 1]]), Buffer.alloc(1)]));
  fs.writeFileSync(path.join(root, 'test.bin'), cifarRecords([[0, 1]]));
  await assert.rejects(loadDataset({ name: 'cifar100', root }), /^UserError: train\.bin: 3075 bytes is not a multiple of 3074/);
});

test('a label out of range is reported with its record', async () => {
  const root = cifar10Fixture();
  fs.writeFileSync(path.join(root, 'cifar-10-batches-bin', 'test_batch.bin'), cifarRecords([[1], [12]]));
  await assert.rejects(loadDataset({ name: 'cifar10', root }), /test_batch\.bin: record 1 has label 12, expected 0\.\.9/);
});

test('missing: names the folders looked in and the binary archive to download', async () => {
  await assert.rejects(loadDataset({ name: 'cifar10', root: '/no/such/folder' }), (err: Error) => {
    assert.equal(err.name, 'UserError');
    assert.match(err.message, /looked in: \/no\/such\/folder, .*cifar10\./);
    assert.ok(err.message.includes(cache));
    assert.match(err.message, /cifar-10-binary\.tar\.gz/);
    return true;
  });
});

test('only the python version present: says to get the binary version', async () => {
  const root = tempFolder('cifar100-py');
  fs.mkdirSync(path.join(root, 'cifar-100-python'));
  for (const f of ['train', 'test', 'meta']) fs.writeFileSync(path.join(root, 'cifar-100-python', f), 'pickle');
  await assert.rejects(loadDataset({ name: 'cifar100', root }), /python \(pickle\) version.*cifar-100-binary\.tar\.gz/);
});
