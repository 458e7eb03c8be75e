// ILSVRC2012 (ImageNet-1k) in the class-folder layout: <root>/train/<wnid>/*.JPEG and
// <root>/val/<wnid>/*.JPEG. Class index = position in the sorted wnid list (data/classes).
// Images are decoded and resized once into the decoded-image cache: training images with the
// shorter side to imageSize and a centre crop (the loader's random-resized crop works inside that),
// validation images with the standard resize to 256/224 of imageSize and a centre crop.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../errors';
import type { ImageEntry } from '../image-entries';
import { imageFiles, readLines, subfolders } from '../folder-listing';
import { loadFolderDataset, verifyListing, type FolderListing } from '../folder-dataset';
import { classListPath, findFolderWith, searchFolders } from '../locations';
import { requireFolder, type DatasetReader } from './reader';

export function imagenetWnids(): string[] {
  return readLines(classListPath('imagenet-1k-wnids.txt'));
}

/** Lists <split>/<wnid>/ folders, each wnid labelled by its position in `classes`. */
export function listClassFolders(splitDir: string, classes: readonly string[]): ImageEntry[] {
  const index = new Map(classes.map((wnid, i) => [wnid, i]));
  const entries: ImageEntry[] = [];
  for (const wnid of subfolders(splitDir)) {
    const label = index.get(wnid);
    if (label === undefined) throw new UserError(`${path.join(splitDir, wnid)}: "${wnid}" is not one of the ${classes.length} class wnids`);
    const dir = path.join(splitDir, wnid);
    for (const name of imageFiles(dir)) entries.push({ file: path.join(dir, name), label });
  }
  return entries;
}

export function listImagenet(folder: string): FolderListing {
  const classes = imagenetWnids();
  const val = path.join(folder, 'val');
  if (fs.readdirSync(val).some((n) => n.toUpperCase().endsWith('.JPEG'))) {
    throw new UserError(`${val}: holds flat ILSVRC2012_val_*.JPEG files; move them into <wnid>/ folders first (with the devkit ground truth or Kaggle's LOC_val_solution.csv)`);
  }
  return { classes, train: listClassFolders(path.join(folder, 'train'), classes), test: listClassFolders(val, classes) };
}

export const imagenet: DatasetReader = {
  name: 'imagenet',
  shape: { numClasses: 1000, height: 224, width: 224, channels: 3 },
  resizable: true,
  summary: 'ILSVRC2012 (ImageNet-1k), class-folder layout train/<wnid>/, val/<wnid>/, 1000 classes, decoded to dataset.imageSize (default 224)',
  howToGet:
    'ImageNet cannot be downloaded by gridmix: register at https://image-net.org (non-commercial research terms), get ILSVRC2012_img_train.tar and ILSVRC2012_img_val.tar, and unpack them into train/<wnid>/ and val/<wnid>/ under one of those folders (or set dataset.root).',
  searchFolders: (config) => searchFolders(config.root, 'imagenet'),
  locate(config) {
    return findFolderWith(this.searchFolders(config), ['train', 'val'], 'imagenet');
  },
  async load(config) {
    const listing = listImagenet(requireFolder(this, config));
    const size = config.imageSize ?? 224;
    return loadFolderDataset(listing, { name: this.name, size, trainMode: 'cover', testMode: 'centre-crop' }, config);
  },
  async verify(config) {
    const folder = requireFolder(this, config);
    return verifyListing(folder, listImagenet(folder), { train: 1281167, test: 50000 });
  },
};
