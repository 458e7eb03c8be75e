import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { ImageSplit } from '../../src/data/dataset';
import { loadDataset } from '../../src/data/readers';
import { classColour, isolateUserCache, tempFolder, writeImagenetATree, writeJpeg } from './fixtures';

const cache = isolateUserCache();

/** The mean colour of image k of a split (flat JPEGs decode to within a few levels of their colour). */
function meanColour(split: ImageSplit, k: number, side: number): number[] {
  const sums = [0, 0, 0];
  const bytes = side * side * 3;
  for (let p = 0; p < side * side; p++) for (let c = 0; c < 3; c++) sums[c] += split.images[k * bytes + p * 3 + c];
  return sums.map((s) => s / (side * side));
}

function assertColour(split: ImageSplit, k: number, side: number, label: number): void {
  const found = meanColour(split, k, side);
  classColour(label).forEach((v, c) => assert.ok(Math.abs(found[c] - v) < 6, `image ${k}: channel ${c} is ${found[c]}, expected ~${v}`));
}

// ---- Tiny ImageNet ----------------------------------------------------------------------------

const TINY_WNIDS = ['n03444034', 'n01443537', 'n02124075']; // wnids.txt order; sorted: n01443537, n02124075, n03444034

async function tinyFixture(): Promise<string> {
  const root = tempFolder('tiny');
  const dir = path.join(root, 'tiny-imagenet-200');
  fs.mkdirSync(path.join(dir, 'val', 'images'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'wnids.txt'), TINY_WNIDS.join('\n') + '\n');
  const sorted = [...TINY_WNIDS].sort();
  for (const wnid of TINY_WNIDS) {
    for (let k = 0; k < 2; k++) await writeJpeg(path.join(dir, 'train', wnid, 'images', `${wnid}_${k}.JPEG`), 64, 64, classColour(sorted.indexOf(wnid)));
    fs.writeFileSync(path.join(dir, 'train', wnid, `${wnid}_boxes.txt`), `${wnid}_0.JPEG\t0\t0\t10\t10\n`);
  }
  const val = [['val_0.JPEG', 'n03444034'], ['val_1.JPEG', 'n01443537']];
  for (const [file, wnid] of val) await writeJpeg(path.join(dir, 'val', 'images', file), 64, 64, classColour(sorted.indexOf(wnid)));
  fs.writeFileSync(path.join(dir, 'val', 'val_annotations.txt'), val.map(([f, w]) => `${f}\t${w}\t0\t32\t44\t62`).join('\n') + '\n');
  return root;
}

test('tiny-imagenet: sorted-wnid class indices, val labels from val_annotations.txt, 64x64 RGB', async () => {
  const root = await tinyFixture();
  const dataset = await loadDataset({ name: 'tiny-imagenet', root });
  assert.deepEqual(dataset.classes, ['n01443537', 'n02124075', 'n03444034']);
  assert.deepEqual([dataset.height, dataset.width, dataset.channels], [64, 64, 3]);
  assert.deepEqual([...dataset.train.labels], [0, 0, 1, 1, 2, 2]);
  assert.deepEqual([...dataset.test.labels], [2, 0]);
  for (let k = 0; k < 6; k++) assertColour(dataset.train, k, 64, dataset.train.labels[k]);
  assertColour(dataset.test, 0, 64, 2);
});

test('testOnly: the test split as a full load gives it, and the train images are never opened', async () => {
  const root = await tinyFixture();
  const full = await loadDataset({ name: 'tiny-imagenet', root, cacheDir: tempFolder('tiny-cache-full') });
  // Break every training JPEG: a load that decoded one would fail.
  for (const wnid of TINY_WNIDS) {
    const images = path.join(root, 'tiny-imagenet-200', 'train', wnid, 'images');
    for (const f of fs.readdirSync(images)) fs.writeFileSync(path.join(images, f), 'not a jpeg');
  }
  const messages: string[] = [];
  const testOnly = await loadDataset({ name: 'tiny-imagenet', root, testOnly: true, cacheDir: tempFolder('tiny-cache-test'), progress: (m) => messages.push(m) });
  assert.equal(testOnly.train.count, 0);
  assert.deepEqual(testOnly.test.images, full.test.images);
  assert.deepEqual(testOnly.test.labels, full.test.labels);
  assert.deepEqual(testOnly.classes, full.classes);
  assert.ok(messages.every((m) => !/ train: /.test(m)), messages.join('\n'));
});

test('decoded images are cached: the second load reads the cache, not the JPEGs', async () => {
  const root = await tinyFixture();
  const messages: string[] = [];
  const first = await loadDataset({ name: 'tiny-imagenet', root, progress: (m) => messages.push(m) });
  assert.match(messages[0], /^tiny-imagenet train: decoding 6 images to 64x64/);
  const cached = fs.readdirSync(path.join(cache, 'decoded')).filter((f) => f.startsWith('tiny-imagenet-64px-'));
  assert.ok(cached.length >= 2);
  assert.ok(cached.every((f) => !f.includes('.tmp-')), 'no temp files left behind');
  // Break every JPEG: a load that decoded again would fail.
  const images = path.join(root, 'tiny-imagenet-200', 'train', 'n01443537', 'images');
  for (const f of fs.readdirSync(images)) fs.writeFileSync(path.join(images, f), 'not a jpeg');
  messages.length = 0;
  const second = await loadDataset({ name: 'tiny-imagenet', root, progress: (m) => messages.push(m) });
  assert.deepEqual(second.train.images, first.train.images);
  assert.deepEqual(second.test.labels, first.test.labels);
  assert.deepEqual(messages, [], 'nothing decoded');
});

test('a damaged cache file is ignored and written again', async () => {
  const root = await tinyFixture();
  const cacheDir = tempFolder('damaged-cache');
  const first = await loadDataset({ name: 'tiny-imagenet', root, cacheDir });
  for (const f of fs.readdirSync(cacheDir)) fs.truncateSync(path.join(cacheDir, f), 100);
  const second = await loadDataset({ name: 'tiny-imagenet', root, cacheDir });
  assert.deepEqual(second.train.images, first.train.images);
  assert.ok(fs.readdirSync(cacheDir).every((f) => fs.statSync(path.join(cacheDir, f)).size > 100));
});

test('a file that is not an image names the file; a stray file in a class folder too', async () => {
  const root = await tinyFixture();
  const bad = path.join(root, 'tiny-imagenet-200', 'val', 'images', 'val_1.JPEG');
  fs.writeFileSync(bad, 'this is text');
  await assert.rejects(loadDataset({ name: 'tiny-imagenet', root, cacheDir: tempFolder('nocache') }), (err: Error) => {
    assert.equal(err.name, 'UserError');
    assert.ok(err.message.startsWith(`${bad}: not a readable image`), err.message);
    return true;
  });
  const stray = path.join(root, 'tiny-imagenet-200', 'train', 'n02124075', 'images', 'notes.txt');
  fs.writeFileSync(stray, 'hello');
  await assert.rejects(loadDataset({ name: 'tiny-imagenet', root }), new RegExp(`${stray}: not an image file`));
});

test('an unknown wnid in val_annotations.txt names the line', async () => {
  const root = await tinyFixture();
  fs.appendFileSync(path.join(root, 'tiny-imagenet-200', 'val', 'val_annotations.txt'), 'val_2.JPEG\tn09999999\t0\t0\t1\t1\n');
  await assert.rejects(loadDataset({ name: 'tiny-imagenet', root }), /val_annotations\.txt: line 3 has wnid "n09999999"/);
});

// ---- ImageNet -----------------------------------------------------------------------------------

async function imagenetFixture(): Promise<string> {
  const root = tempFolder('imagenet');
  // 1k indices 0, 1 and 999; images of several shapes, decoded and resized on the way in.
  const classes: [string, number][] = [['n01440764', 0], ['n01443537', 1], ['n15075141', 999]];
  for (const [wnid, index] of classes) {
    await writeJpeg(path.join(root, 'train', wnid, `${wnid}_1.JPEG`), 48, 32, classColour(index % 7));
    await writeJpeg(path.join(root, 'train', wnid, `${wnid}_2.JPEG`), 30, 40, classColour(index % 7));
    await writeJpeg(path.join(root, 'val', wnid, `ILSVRC2012_val_0000000${index % 10}.JPEG`), 40, 40, classColour(index % 7));
  }
  return root;
}

test('imagenet: class folders labelled by the sorted 1000-wnid list, decoded and resized to imageSize', async () => {
  const root = await imagenetFixture();
  const dataset = await loadDataset({ name: 'imagenet', root, imageSize: 16 });
  assert.equal(dataset.classes.length, 1000);
  assert.equal(dataset.classes[999], 'n15075141');
  assert.deepEqual([dataset.height, dataset.width, dataset.channels], [16, 16, 3]);
  assert.deepEqual([...dataset.train.labels], [0, 0, 1, 1, 999, 999]);
  assert.deepEqual([...dataset.test.labels], [0, 1, 999]);
  for (let k = 0; k < 6; k++) assertColour(dataset.train, k, 16, dataset.train.labels[k] % 7);
});

test('imagenet: a folder that is not a wnid, and flat val files, are explained', async () => {
  const root = await imagenetFixture();
  fs.mkdirSync(path.join(root, 'train', 'cats'));
  await assert.rejects(loadDataset({ name: 'imagenet', root, imageSize: 16 }), /train\/cats: "cats" is not one of the 1000 class wnids/);
  fs.rmdirSync(path.join(root, 'train', 'cats'));
  fs.writeFileSync(path.join(root, 'val', 'ILSVRC2012_val_00000001.JPEG'), '');
  await assert.rejects(loadDataset({ name: 'imagenet', root, imageSize: 16 }), /flat ILSVRC2012_val_\*\.JPEG files/);
});

test('imagenet: greyscale and PNG-under-.JPEG images decode to RGB', async () => {
  const root = await imagenetFixture();
  const dir = path.join(root, 'train', 'n01440764');
  await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: 90, g: 90, b: 90 } } }).greyscale().jpeg().toFile(path.join(dir, 'grey.JPEG'));
  await sharp({ create: { width: 20, height: 20, channels: 4, background: { r: 200, g: 10, b: 10, alpha: 1 } } }).png().toFile(path.join(dir, 'png.JPEG'));
  const dataset = await loadDataset({ name: 'imagenet', root, imageSize: 8 });
  assert.equal(dataset.train.count, 8);
  const files = ['n01440764_1.JPEG', 'n01440764_2.JPEG', 'grey.JPEG', 'png.JPEG'].sort();
  const g = meanColour(dataset.train, files.indexOf('grey.JPEG'), 8);
  assert.ok(g.every((v) => Math.abs(v - 90) < 4), `grey decoded to ${g}`);
  const p = meanColour(dataset.train, files.indexOf('png.JPEG'), 8);
  assert.ok(Math.abs(p[0] - 200) < 4 && p[1] < 15, `png decoded to ${p}`);
});

// ---- CUB-200-2011 -------------------------------------------------------------------------------

async function cubFixture(): Promise<string> {
  const root = tempFolder('cub');
  const dir = path.join(root, 'CUB_200_2011');
  const images = [
    // id, class_id, relative path, is_training, box x y w h, image width and height
    [1, 1, '001.Black_footed_Albatross/Black_Footed_Albatross_0001_796111.jpg', 1, [8, 6, 32, 24], 64, 48],
    [2, 2, '002.Laysan_Albatross/Laysan_Albatross_0002_1027.jpg', 0, [0, 0, 40, 40], 40, 40],
    [3, 2, '002.Laysan_Albatross/Laysan_Albatross_0003_1033.jpg', 1, [10.5, 4, 20, 30], 80, 40],
  ] as const;
  for (const [, cls, rel, , , w, h] of images) await writeJpeg(path.join(dir, 'images', rel), w, h, classColour(cls - 1));
  // Lines in an order other than image_id: the reader must join on ids.
  const write = (file: string, lines: string[]) => fs.writeFileSync(path.join(dir, file), lines.join('\n') + '\n');
  write('classes.txt', ['1 001.Black_footed_Albatross', '2 002.Laysan_Albatross']);
  write('images.txt', images.map(([id, , rel]) => `${id} ${rel}`));
  write('image_class_labels.txt', images.map(([id, cls]) => `${id} ${cls}`).reverse());
  write('train_test_split.txt', images.map(([id, , , train]) => `${id} ${train}`));
  write('bounding_boxes.txt', images.map(([id, , , , b]) => `${id} ${b.map((v) => v.toFixed(1)).join(' ')}`).reverse());
  return root;
}

test('cub200: joins the index files on image_id; boxes follow the resize', async () => {
  const dataset = await loadDataset({ name: 'cub200', root: await cubFixture(), imageSize: 32 });
  assert.deepEqual(dataset.classes, ['001.Black_footed_Albatross', '002.Laysan_Albatross']);
  assert.deepEqual([...dataset.train.labels], [0, 1]);
  assert.deepEqual([...dataset.test.labels], [1]);
  assertColour(dataset.train, 0, 32, 0);
  assertColour(dataset.test, 0, 32, 1);
  // Image 1 is 64x48 resized to 32x32: x scales by 1/2, y by 2/3. Box [8, 6, 8 + 32, 6 + 24].
  assert.deepEqual([...dataset.train.boxes!.subarray(0, 4)], [4, 4, 20, 20]);
  // Image 3 is 80x40: x by 0.4, y by 0.8; box [10.5, 4, 30.5, 34].
  const box = [...dataset.train.boxes!.subarray(4, 8)];
  [4.2, 3.2, 12.2, 27.2].forEach((v, i) => assert.ok(Math.abs(box[i] - v) < 1e-4));
  assert.deepEqual([...dataset.test.boxes!], [0, 0, 32, 32]);
});

test('cub200: an image_id missing from an index file names the file', async () => {
  const root = await cubFixture();
  fs.writeFileSync(path.join(root, 'CUB_200_2011', 'bounding_boxes.txt'), '1 8.0 6.0 32.0 24.0\n2 0.0 0.0 40.0 40.0\n');
  await assert.rejects(loadDataset({ name: 'cub200', root, imageSize: 32 }), /bounding_boxes\.txt: no line for image_id 3/);
});

// ---- ImageNet-A ---------------------------------------------------------------------------------

test('imagenet-a for a 1000-class model: labels are indices_in_1k, README.txt is skipped', async () => {
  const dataset = await loadDataset({ name: 'imagenet-a', root: await writeImagenetATree(), imageSize: 24 });
  assert.equal(dataset.train.count, 0);
  assert.deepEqual([...dataset.test.labels], [6, 30, 30]);
  assert.equal(dataset.classes.length, 1000);
  assert.equal(dataset.coveredClasses!.length, 200);
  assert.deepEqual(dataset.mean, [0.485, 0.456, 0.406]);
  assertColour(dataset.test, 0, 24, 0);
});

test('imagenet-a for a Tiny ImageNet model: only the 74 TinyImageNet-A classes, with their Tiny index', async () => {
  const dataset = await loadDataset({ name: 'imagenet-a', root: await writeImagenetATree(), imagenetATarget: 'tiny-imagenet' });
  assert.equal(dataset.name, 'tiny-imagenet-a');
  assert.deepEqual([dataset.height, dataset.width], [64, 64]);
  assert.deepEqual([...dataset.test.labels], [2, 2]);
  assert.equal(dataset.classes.length, 200);
  // coveredClasses agrees with the shipped index map's tiny_sorted_index column.
  const map = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'data', 'classes', 'tiny-imagenet-a-index-map.tsv'), 'utf8');
  const sortedIndices = map.trim().split('\n').slice(1).map((l) => Number(l.split('\t')[2])).sort((a, b) => a - b);
  assert.deepEqual([...dataset.coveredClasses!], sortedIndices);
});

test('folder datasets that are nowhere name where they looked', async () => {
  for (const name of ['tiny-imagenet', 'imagenet', 'cub200', 'imagenet-a']) {
    await assert.rejects(loadDataset({ name, root: '/no/such/place' }), (err: Error) => {
      assert.equal(err.name, 'UserError');
      assert.ok(err.message.includes(`dataset "${name}" not found; looked in: /no/such/place, ${path.join(cache, name)}`), err.message);
      return true;
    });
  }
});
