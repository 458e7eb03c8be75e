// Tiny ImageNet (CS231N tiny-imagenet-200): 64x64 JPEGs, 500 training images per class in
// train/<wnid>/images/, 50 per class in val/images/ labelled by val/val_annotations.txt. The
// labelled val split is the test split (test/ has no labels).
//
// Class index: the position of the wnid among the 200 wnids SORTED as strings (what torchvision's
// ImageFolder gives on train/), not the line order of wnids.txt.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../errors';
import type { ImageEntry } from '../image-entries';
import { imageFiles, readLines, readTable } from '../folder-listing';
import { loadFolderDataset, verifyListing, type FolderListing } from '../folder-dataset';
import { findFolderWith, searchFolders } from '../locations';
import { requireFolder, type DatasetReader } from './reader';

export const TINY_IMAGENET_ARCHIVE = {
  url: 'http://cs231n.stanford.edu/tiny-imagenet-200.zip',
  file: 'tiny-imagenet-200.zip',
  md5: '90528d7ca1a48142e341f4ef8d21d0de',
} as const;

const SIDE = 64;

export function listTinyImagenet(folder: string): FolderListing {
  const classes = readLines(path.join(folder, 'wnids.txt')).sort();
  const index = new Map(classes.map((wnid, i) => [wnid, i]));
  const train: ImageEntry[] = [];
  for (const [label, wnid] of classes.entries()) {
    const dir = path.join(folder, 'train', wnid, 'images');
    if (!fs.existsSync(dir)) throw new UserError(`${dir}: missing (wnids.txt lists ${wnid})`);
    for (const name of imageFiles(dir)) train.push({ file: path.join(dir, name), label });
  }
  const annotations = path.join(folder, 'val', 'val_annotations.txt');
  const test = readTable(annotations, /\t/).map(([file, wnid], line): ImageEntry => {
    const label = index.get(wnid);
    if (label === undefined) throw new UserError(`${annotations}: line ${line + 1} has wnid "${wnid}", which is not in wnids.txt`);
    return { file: path.join(folder, 'val', 'images', file), label };
  });
  return { classes, train, test };
}

export const tinyImagenet: DatasetReader = {
  name: 'tiny-imagenet',
  shape: { numClasses: 200, height: 64, width: 64, channels: 3 },
  resizable: true,
  summary: 'Tiny ImageNet (tiny-imagenet-200), 100000 + 10000 (val) colour 64x64 images, 200 classes (sorted wnids), resized to dataset.imageSize (default 64)',
  howToGet: `Run \`gridmix data fetch tiny-imagenet\`, or download ${TINY_IMAGENET_ARCHIVE.url} (md5 ${TINY_IMAGENET_ARCHIVE.md5}) and unzip it in one of those folders (ImageNet's non-commercial terms apply).`,
  searchFolders: (config) => searchFolders(config.root, 'tiny-imagenet'),
  locate(config) {
    return findFolderWith(this.searchFolders(config), ['wnids.txt', 'train', path.join('val', 'val_annotations.txt')], 'tiny-imagenet-200');
  },
  async load(config) {
    const listing = listTinyImagenet(requireFolder(this, config));
    const size = config.imageSize ?? SIDE;
    return loadFolderDataset(listing, { name: this.name, size, trainMode: 'stretch', testMode: 'stretch' }, config);
  },
  async verify(config) {
    const folder = requireFolder(this, config);
    return verifyListing(folder, listTinyImagenet(folder), { train: 100000, test: 10000 });
  },
};
