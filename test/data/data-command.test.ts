import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dataList, dataVerify } from '../../src/cli/data';
import { DATASET_NAMES } from '../../src/data/readers';
import { cifarRecords, isolateUserCache, tempFolder } from './fixtures';

const cache = isolateUserCache();

function capture(): { lines: string[]; print: (line: string) => void } {
  const lines: string[] = [];
  return { lines, print: (line) => lines.push(line) };
}

test('data list: every dataset, where it looks, whether it is there', async () => {
  const out = capture();
  await dataList({ print: out.print });
  for (const name of DATASET_NAMES) assert.ok(out.lines.some((l) => l.startsWith(`${name}: `)), name);
  assert.ok(out.lines.some((l) => /^fashion-mnist-mini: present in .*data\/fashion-mnist-mini$/.test(l)));
  assert.ok(out.lines.includes('cifar100: not found'));
  assert.ok(out.lines.some((l) => l.includes(`looks in: ${path.join(cache, 'cifar100')}`)));
  // The folder datasets name the option that sets their size, with its default.
  const summaryOf = (name: string) => out.lines[out.lines.findIndex((l) => l.startsWith(`${name}: `)) + 1];
  assert.match(summaryOf('cub200'), /resized to dataset\.imageSize \(default 224\)/);
  assert.match(summaryOf('imagenet'), /dataset\.imageSize \(default 224\)/);
  assert.match(summaryOf('tiny-imagenet'), /dataset\.imageSize \(default 64\)/);
});

test('data verify: counts of the shipped mini dataset', async () => {
  const out = capture();
  await dataVerify({ name: 'fashion-mnist-mini', print: out.print });
  assert.ok(out.lines.includes('  train: 5000 images (expected 5000) ok'));
  assert.ok(out.lines.includes('  test: 1000 images (expected 1000) ok'));
  assert.equal(out.lines.filter((l) => /-ubyte\.gz: decompressed md5 [0-9a-f]{32} ok$/.test(l)).length, 4);
  assert.equal(out.lines.at(-1), 'fashion-mnist-mini: ok');
});

test('data verify: a dataset with the wrong counts fails with a UserError after printing why', async () => {
  const root = tempFolder('verify');
  fs.writeFileSync(path.join(root, 'train.bin'), cifarRecords([[0, 1], [0, 2]]));
  fs.writeFileSync(path.join(root, 'test.bin'), cifarRecords([[0, 3]]));
  const out = capture();
  await assert.rejects(dataVerify({ name: 'cifar100', root, print: out.print }), { name: 'UserError', message: 'cifar100: verification failed (see above)' });
  assert.ok(out.lines.includes('  train: 2 images (expected 50000) WRONG'));
});

test('data verify: a downloaded archive left beside the data has its checksum checked', async () => {
  const root = tempFolder('verify-archive');
  fs.mkdirSync(path.join(root, 'cifar-100-binary'));
  fs.writeFileSync(path.join(root, 'cifar-100-binary', 'train.bin'), cifarRecords([[0, 1]]));
  fs.writeFileSync(path.join(root, 'cifar-100-binary', 'test.bin'), cifarRecords([[0, 3]]));
  fs.writeFileSync(path.join(root, 'cifar-100-binary.tar.gz'), 'not the archive');
  const out = capture();
  await assert.rejects(dataVerify({ name: 'cifar100', root, print: out.print }), { name: 'UserError' });
  assert.ok(out.lines.some((l) => /cifar-100-binary\.tar\.gz: md5 [0-9a-f]{32}, expected 03b5dce01913d631647c71ecec9e9cb8/.test(l)), out.lines.join('\n'));
});
