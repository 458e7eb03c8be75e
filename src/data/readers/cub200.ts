// CUB-200-2011 for weakly-supervised localisation: images/<class>/<file>.jpg indexed by images.txt,
// labels in image_class_labels.txt (1-based), the split in train_test_split.txt (1 = train), one box
// per image in bounding_boxes.txt (x, y, width, height in original pixels), all joined on image_id.
// Images are resized to imageSize x imageSize without a crop, so each box maps exactly: it is kept in
// the resized image's pixels.
import * as path from 'node:path';
import { UserError } from '../../errors';
import type { ImageEntry } from '../image-entries';
import { readTable } from '../folder-listing';
import { loadFolderDataset, verifyListing, type FolderListing } from '../folder-dataset';
import { findFolderWith, searchFolders } from '../locations';
import { requireFolder, type DatasetReader } from './reader';

export const CUB_ARCHIVE = {
  url: 'https://data.caltech.edu/records/65de6-vp158/files/CUB_200_2011.tgz',
  file: 'CUB_200_2011.tgz',
  md5: '97eceeb196236b17998738112f37df78',
} as const;

const INDEX_FILES = ['images.txt', 'image_class_labels.txt', 'train_test_split.txt', 'bounding_boxes.txt', 'classes.txt'];

/** A table keyed by its first column (image_id or class_id). */
function keyed(folder: string, file: string, columns: number): Map<string, string[]> {
  const table = new Map<string, string[]>();
  for (const [line, fields] of readTable(path.join(folder, file)).entries()) {
    if (fields.length < columns) throw new UserError(`${path.join(folder, file)}: line ${line + 1} has ${fields.length} fields, expected ${columns}`);
    table.set(fields[0], fields.slice(1));
  }
  return table;
}

export function listCub(folder: string): FolderListing {
  const classTable = keyed(folder, 'classes.txt', 2);
  const classIds = [...classTable.keys()].sort((a, b) => Number(a) - Number(b));
  const classes = classIds.map((id) => classTable.get(id)![0]);
  const labels = keyed(folder, 'image_class_labels.txt', 2);
  const splits = keyed(folder, 'train_test_split.txt', 2);
  const boxes = keyed(folder, 'bounding_boxes.txt', 5);
  const train: ImageEntry[] = [];
  const test: ImageEntry[] = [];
  for (const [id, [relative]] of keyed(folder, 'images.txt', 2)) {
    const missing = [['image_class_labels.txt', labels], ['train_test_split.txt', splits], ['bounding_boxes.txt', boxes]].find(
      ([, table]) => !(table as Map<string, string[]>).has(id),
    );
    if (missing) throw new UserError(`${path.join(folder, missing[0] as string)}: no line for image_id ${id}`);
    const label = Number(labels.get(id)![0]) - 1;
    if (!(label >= 0 && label < classes.length)) throw new UserError(`image_class_labels.txt: image_id ${id} has class ${label + 1}, expected 1..${classes.length}`);
    const [x, y, w, h] = boxes.get(id)!.map(Number);
    const entry: ImageEntry = { file: path.join(folder, 'images', relative), label, box: [x, y, x + w, y + h] };
    (splits.get(id)![0] === '1' ? train : test).push(entry);
  }
  return { classes, train, test };
}

export const cub200: DatasetReader = {
  name: 'cub200',
  shape: { numClasses: 200, height: 224, width: 224, channels: 3 },
  resizable: true,
  summary: 'CUB-200-2011 birds, 5994 + 5794 images with one box each, 200 classes, resized to dataset.imageSize (default 224) without a crop',
  howToGet: `Run \`gridmix data fetch cub200\`, or download ${CUB_ARCHIVE.url} (md5 ${CUB_ARCHIVE.md5}) and unpack it in one of those folders (research use; cite Wah et al. 2011).`,
  searchFolders: (config) => searchFolders(config.root, 'cub200'),
  locate(config) {
    return findFolderWith(this.searchFolders(config), INDEX_FILES, 'CUB_200_2011');
  },
  async load(config) {
    const listing = listCub(requireFolder(this, config));
    const size = config.imageSize ?? 224;
    return loadFolderDataset(listing, { name: this.name, size, trainMode: 'stretch', testMode: 'stretch' }, config);
  },
  async verify(config) {
    const folder = requireFolder(this, config);
    return verifyListing(folder, listCub(folder), { train: 5994, test: 5794 });
  },
};
