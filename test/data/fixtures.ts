// Small files in the datasets' real on-disk formats, written by the tests into temp folders.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { encodeIdxGz } from '../../src/data/idx';

const foldersToRemove: string[] = [];
process.on('exit', () => {
  for (const dir of foldersToRemove) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp folder, removed when the test process exits. */
export function tempFolder(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gridmix-${prefix}-`));
  foldersToRemove.push(dir);
  return dir;
}

/** Points the user cache at a temp folder so no test reads or writes ~/.cache/gridmix. */
export function isolateUserCache(): string {
  const dir = tempFolder('cache');
  process.env.GRIDMIX_CACHE = dir;
  return dir;
}

/** A recognisable pixel value for (image, y, x, channel). */
export function pixelValue(image: number, y: number, x: number, c: number): number {
  return (image * 31 + y * 7 + x * 3 + c * 50) % 256;
}

/** The four Fashion-MNIST IDX .gz files with `labels.length` 28x28 images per split. */
export function writeFashionMnist(dir: string, trainLabels: number[], testLabels: number[]): void {
  fs.mkdirSync(dir, { recursive: true });
  const write = (prefix: string, labels: number[]) => {
    const images = new Uint8Array(labels.length * 784);
    for (let i = 0; i < labels.length; i++) {
      for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) images[i * 784 + y * 28 + x] = pixelValue(i, y, x, 0);
    }
    fs.writeFileSync(path.join(dir, `${prefix}-images-idx3-ubyte.gz`), encodeIdxGz([labels.length, 28, 28], images));
    fs.writeFileSync(path.join(dir, `${prefix}-labels-idx1-ubyte.gz`), encodeIdxGz([labels.length], Uint8Array.from(labels)));
  };
  write('train', trainLabels);
  write('t10k', testLabels);
}

/** CIFAR binary records: `labelBytes` label bytes each, then the CHW planes of pixelValue. */
export function cifarRecords(labels: number[][]): Buffer {
  const recordBytes = labels[0].length + 3072;
  const out = Buffer.alloc(labels.length * recordBytes);
  labels.forEach((labelBytes, i) => {
    const r = i * recordBytes;
    labelBytes.forEach((b, k) => (out[r + k] = b));
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out[r + labelBytes.length + c * 1024 + y * 32 + x] = pixelValue(i, y, x, c);
    }
  });
  return out;
}

/** A JPEG of one flat colour (flat so lossy compression keeps it within a few levels). */
export async function writeJpeg(file: string, width: number, height: number, rgb: [number, number, number]): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .jpeg({ quality: 95 })
    .toFile(file);
}

/** A distinct flat colour per class. */
export function classColour(label: number): [number, number, number] {
  return [(label * 60 + 20) % 256, (label * 100 + 40) % 256, (label * 150 + 90) % 256];
}

/**
 * A CUB_200_2011 tree of two classes (64 x 48 JPEGs in each class's colour): one image per entry
 * of `split` (1: training, 0: test), classes alternating 1, 2, 1, ...; every image's box is `box`
 * (x, y, width, height in the original pixels). Returns the folder holding CUB_200_2011/.
 */
export async function writeCubTree(prefix: string, split: readonly (0 | 1)[], box: readonly [number, number, number, number]): Promise<string> {
  const root = tempFolder(prefix);
  const dir = path.join(root, 'CUB_200_2011');
  const folders = ['001.Black_footed_Albatross', '002.Laysan_Albatross'];
  const images = split.map((train, i) => {
    const cls = (i % 2) + 1;
    return { id: i + 1, cls, rel: `${folders[cls - 1]}/${'ab'[cls - 1]}_${i + 1}.jpg`, train };
  });
  for (const { cls, rel } of images) await writeJpeg(path.join(dir, 'images', rel), 64, 48, classColour(cls - 1));
  const write = (file: string, lines: string[]) => fs.writeFileSync(path.join(dir, file), lines.join('\n') + '\n');
  write('classes.txt', folders.map((f, i) => `${i + 1} ${f}`));
  write('images.txt', images.map(({ id, rel }) => `${id} ${rel}`));
  write('image_class_labels.txt', images.map(({ id, cls }) => `${id} ${cls}`));
  write('train_test_split.txt', images.map(({ id, train }) => `${id} ${train}`));
  write('bounding_boxes.txt', images.map(({ id }) => `${id} ${box.map((v) => v.toFixed(1)).join(' ')}`));
  return root;
}

/**
 * An imagenet-a/ tree of three JPEGs (and the README.txt the real one has): n01498041 (ImageNet-A
 * class 0, 1k index 6, not in Tiny ImageNet) and two of n01641577 (ImageNet-A 8, 1k index 30, Tiny
 * ImageNet's sorted index 2). Returns the folder holding imagenet-a/.
 */
export async function writeImagenetATree(prefix = 'imagenet-a'): Promise<string> {
  const root = tempFolder(prefix);
  const dir = path.join(root, 'imagenet-a');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'README.txt'), 'ImageNet-A\n');
  await writeJpeg(path.join(dir, 'n01498041', '0.000116_digital clock _ digital clock_0.865662.jpg'), 50, 30, classColour(0));
  await writeJpeg(path.join(dir, 'n01641577', 'a.jpg'), 30, 50, classColour(1));
  await writeJpeg(path.join(dir, 'n01641577', 'b.jpg'), 30, 30, classColour(1));
  return root;
}
