// ImageNet-A (Hendrycks et al., natural adversarial examples): imagenet-a/<wnid>/*.jpg, 200 class
// folders, one evaluation-only split (the test split; train is empty). Labels are the classes of the
// model it is evaluated on (DatasetConfig.imagenetATarget):
// - 'imagenet': the 1000 ImageNet classes; ImageNet-A class j gets indices_in_1k[j]; images resized
//   to 256/224 of imageSize (224) and centre-cropped, as the reference evaluation does;
// - 'tiny-imagenet': only the 74 TinyImageNet-A classes are kept, labelled with their Tiny ImageNet
//   index (sorted wnids, as the tiny-imagenet reader); images resized to 64x64 (shorter side, centre crop).
// Dataset.coveredClasses lists the model classes present, for the argmax over those logits only.
// mean/std are ImageNet's customary values (there are no training pixels): evaluate with the
// statistics of the dataset the model was trained on.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../errors';
import { IMAGENET_STATS } from '../channel-stats';
import type { DatasetConfig } from '../dataset-config';
import { imageFiles, readLines, readTable, subfolders } from '../folder-listing';
import { loadFolderDataset, verifyListing, type FolderListing } from '../folder-dataset';
import type { ImageEntry } from '../image-entries';
import { classListPath, searchFolders } from '../locations';
import { imagenetWnids } from './imagenet';
import { requireFolder, type DatasetReader } from './reader';

export const IMAGENET_A_ARCHIVE = {
  url: 'https://people.eecs.berkeley.edu/~hendrycks/imagenet-a.tar',
  file: 'imagenet-a.tar',
  sha256: '3bb3632277e6ba6392ea64c02ddbf4dd2266c9caffd6bc09c9656d28f012589e',
} as const;

/** ImageNet-A class j's wnid (line j) and its ImageNet-1k index. */
function imagenetAClasses(): { wnid: string; index1k: number }[] {
  const wnids = readLines(classListPath('imagenet-a-wnids.txt'));
  const indices = readLines(classListPath('imagenet-a-indices-in-1k.txt')).map(Number);
  return wnids.map((wnid, j) => ({ wnid, index1k: indices[j] }));
}

/** The model's classes and, for each ImageNet-A wnid it evaluates, the model's label. */
export function imagenetALabelMap(target: DatasetConfig['imagenetATarget']): { classes: string[]; labelOf: Map<string, number> } {
  if (target === 'tiny-imagenet') {
    const tiny = readLines(classListPath('tiny-imagenet-wnids.txt')).sort();
    const shared = new Set(readTable(classListPath('tiny-imagenet-a-wnids.txt'), /\t/).map(([wnid]) => wnid));
    return { classes: tiny, labelOf: new Map(tiny.flatMap((wnid, i) => (shared.has(wnid) ? [[wnid, i] as const] : []))) };
  }
  return { classes: imagenetWnids(), labelOf: new Map(imagenetAClasses().map((c) => [c.wnid, c.index1k])) };
}

export function listImagenetA(folder: string, target: DatasetConfig['imagenetATarget']): FolderListing & { covered: Int32Array } {
  const all = new Set(imagenetAClasses().map((c) => c.wnid));
  const { classes, labelOf } = imagenetALabelMap(target);
  const test: ImageEntry[] = [];
  for (const wnid of subfolders(folder)) {
    if (!all.has(wnid)) throw new UserError(`${path.join(folder, wnid)}: "${wnid}" is not one of the 200 ImageNet-A classes`);
    const label = labelOf.get(wnid);
    if (label === undefined) continue; // not a TinyImageNet-A class
    const dir = path.join(folder, wnid);
    for (const name of imageFiles(dir)) test.push({ file: path.join(dir, name), label });
  }
  const covered = Int32Array.from([...labelOf.values()].sort((a, b) => a - b));
  return { classes, train: [], test, covered };
}

/** A folder with at least one ImageNet-A class folder (README.txt alone does not make one). */
function looksLikeImagenetA(dir: string): boolean {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return false;
  const all = new Set(imagenetAClasses().map((c) => c.wnid));
  return subfolders(dir).some((name) => all.has(name));
}

export const imagenetA: DatasetReader = {
  name: 'imagenet-a',
  shape: { numClasses: 1000, height: 224, width: 224, channels: 3 },
  resizable: true,
  summary: 'ImageNet-A, 7500 natural adversarial images of 200 classes, evaluation only (imagenetATarget: imagenet | tiny-imagenet)',
  howToGet: `Download ${IMAGENET_A_ARCHIVE.url} yourself (sha256 ${IMAGENET_A_ARCHIVE.sha256}; research use, cite Hendrycks et al. CVPR 2021, do not redistribute) and unpack it in one of those folders.`,
  searchFolders: (config) => searchFolders(config.root, 'imagenet-a'),
  locate(config) {
    for (const candidate of this.searchFolders(config)) {
      for (const dir of [candidate, path.join(candidate, 'imagenet-a')]) if (looksLikeImagenetA(dir)) return dir;
    }
    return undefined;
  },
  async load(config) {
    const target = config.imagenetATarget ?? 'imagenet';
    const listing = listImagenetA(requireFolder(this, config), target);
    const size = config.imageSize ?? (target === 'tiny-imagenet' ? 64 : 224);
    const mode = target === 'tiny-imagenet' ? 'cover' : 'centre-crop';
    const name = target === 'tiny-imagenet' ? 'tiny-imagenet-a' : this.name;
    return loadFolderDataset(
      listing,
      { name, size, trainMode: mode, testMode: mode, fallbackStats: IMAGENET_STATS, coveredClasses: listing.covered },
      config,
    );
  },
  async verify(config) {
    const folder = requireFolder(this, config);
    return verifyListing(folder, listImagenetA(folder, 'imagenet'), { train: 0, test: 7500 });
  },
};
