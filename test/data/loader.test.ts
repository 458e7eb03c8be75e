import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../../src/data/dataset';
import { DataLoader, type LoaderOptions } from '../../src/data/loader';
import { useBackend } from '../helpers/backend';

before(() => useBackend('cpu'));

/** 10 images of 4x4x3; image i has every pixel = i * 10 + c (label i % 3). */
function tinyDataset(): Dataset {
  const count = 10;
  const images = new Uint8Array(count * 48);
  for (let i = 0; i < count; i++) for (let p = 0; p < 16; p++) for (let c = 0; c < 3; c++) images[i * 48 + p * 3 + c] = i * 10 + c;
  const labels = Int32Array.from({ length: count }, (_, i) => i % 3);
  const split = { images, labels, count };
  return { name: 'tiny', classes: ['a', 'b', 'c'], height: 4, width: 4, channels: 3, train: split, test: split, mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 2] };
}

const options: LoaderOptions = { batchSize: 4, seed: 11 };

function drain(loader: DataLoader): { indices: number[]; x: number[] }[] {
  const out = [];
  for (const batch of loader.epochBatches()) {
    out.push({ indices: [...batch.indices], x: [...batch.x.dataSync()] });
    batch.x.dispose();
  }
  return out;
}

test('one epoch covers every image once, in batches of 4, 4, 2, labels following the images', () => {
  const loader = new DataLoader(tinyDataset(), 'train', options);
  assert.equal(loader.batchesPerEpoch, 3);
  const seen: number[] = [];
  const sizes: number[] = [];
  for (const batch of loader.epochBatches()) {
    sizes.push(batch.labels.length);
    assert.deepEqual(batch.x.shape, [batch.labels.length, 4, 4, 3]);
    batch.indices.forEach((i, k) => assert.equal(batch.labels[k], i % 3));
    seen.push(...batch.indices);
    batch.x.dispose();
  }
  assert.deepEqual(sizes, [4, 4, 2]);
  assert.deepEqual(seen.sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(loader.epoch, 1);
});

test('same seed, same batches; another seed, another order; a new order each epoch', () => {
  const a = drain(new DataLoader(tinyDataset(), 'train', options));
  const b = drain(new DataLoader(tinyDataset(), 'train', options));
  const c = drain(new DataLoader(tinyDataset(), 'train', { ...options, seed: 12 }));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.map((x) => x.indices), c.map((x) => x.indices));
  const loader = new DataLoader(tinyDataset(), 'train', options);
  const first = drain(loader).flatMap((x) => x.indices);
  const second = drain(loader).flatMap((x) => x.indices);
  assert.notDeepEqual(first, second);
});

test('without augmentation, pixels are normalised per channel with the dataset mean and std', () => {
  const dataset = tinyDataset();
  const loader = new DataLoader(dataset, 'test', { batchSize: 10, seed: 0 });
  const batch = loader.nextBatch()!;
  assert.deepEqual([...batch.indices], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'test split: no shuffling');
  const x = batch.x.dataSync();
  for (const [i, p, c] of [[0, 0, 0], [3, 5, 1], [9, 15, 2]]) {
    const expected = ((i * 10 + c) / 255 - dataset.mean[c]) / dataset.std[c];
    assert.ok(Math.abs(x[i * 48 + p * 3 + c] - expected) < 1e-6);
  }
  batch.x.dispose();
  assert.equal(loader.nextBatch(), null, 'the epoch is over');
});

test('augmentation crops with zero padding: padded pixels normalise to -mean/std, the rest keep the image value', () => {
  const dataset = tinyDataset();
  const loader = new DataLoader(dataset, 'train', { batchSize: 10, seed: 3, policy: { kind: 'pad-crop', pad: 2 } });
  const batch = loader.nextBatch()!;
  const x = batch.x.dataSync();
  let padded = 0;
  for (let k = 0; k < 10; k++) {
    const i = batch.indices[k];
    for (let p = 0; p < 16; p++) {
      for (let c = 0; c < 3; c++) {
        const v = x[k * 48 + p * 3 + c];
        const image = ((i * 10 + c) / 255 - dataset.mean[c]) / dataset.std[c];
        const zero = -dataset.mean[c] / dataset.std[c];
        const isImage = Math.abs(v - image) < 1e-6;
        assert.ok(isImage || Math.abs(v - zero) < 1e-6);
        if (!isImage) padded++;
      }
    }
  }
  assert.ok(padded > 0, 'some crops overhang');
  batch.x.dispose();
});

test('the state saved mid-epoch restores the same next batches, across the epoch boundary', () => {
  const dataset = tinyDataset();
  const original = new DataLoader(dataset, 'train', options);
  original.nextBatch()!.x.dispose();
  const state = JSON.parse(JSON.stringify(original.getState()));
  const restored = DataLoader.fromState(dataset, 'train', options, state);
  const rest = (loader: DataLoader) => [...drain(loader), ...drain(loader)];
  assert.deepEqual(rest(restored), rest(original));
});

test('no tensors are left behind but the batch itself', () => {
  const loader = new DataLoader(tinyDataset(), 'train', options);
  const before = tf.memory().numTensors;
  const batch = loader.nextBatch()!;
  assert.equal(tf.memory().numTensors, before + 1);
  batch.x.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('dropLast skips the short batch; a bad batch size is a UserError', () => {
  const loader = new DataLoader(tinyDataset(), 'train', { ...options, dropLast: true });
  assert.equal(loader.batchesPerEpoch, 2);
  assert.equal(drain(loader).length, 2);
  assert.throws(() => new DataLoader(tinyDataset(), 'train', { ...options, batchSize: 0 }), { name: 'UserError' });
});
