// What the folder datasets (Tiny ImageNet, ImageNet, CUB, ImageNet-A) share once their images are
// listed: limits, decoding through the cache, assembly, and the count checks of `data verify`.
import type { Dataset } from './dataset';
import type { DatasetConfig } from './dataset-config';
import { assembleDataset, emptySplit } from './assemble';
import type { ChannelStats } from './channel-stats';
import { decodeEntries, limitEntries, type ImageEntry } from './image-entries';
import type { ResizeMode } from './image-decode';
import { countReport, type VerifyReport } from './readers/reader';

export interface FolderListing {
  classes: string[];
  train: ImageEntry[];
  test: ImageEntry[];
}

export interface FolderDecoding {
  name: string;
  size: number;
  trainMode: ResizeMode;
  testMode: ResizeMode;
  fallbackStats?: ChannelStats;
  coveredClasses?: Int32Array;
}

export async function loadFolderDataset(listing: FolderListing, decoding: FolderDecoding, config: DatasetConfig): Promise<Dataset> {
  const seed = config.seed ?? 0;
  // The same seeds as assembleDataset's limits, which then find nothing left to cut.
  const trainEntries = limitEntries(listing.train, config.trainLimit, seed);
  const testEntries = limitEntries(listing.test, config.testLimit, seed + 1);
  const common = { dataset: decoding.name, size: decoding.size, cacheDir: config.cacheDir, progress: config.progress };
  const train = config.testOnly ? emptySplit() : await decodeEntries(trainEntries, { ...common, split: 'train', mode: decoding.trainMode });
  const test = await decodeEntries(testEntries, { ...common, split: 'test', mode: decoding.testMode });
  return assembleDataset(
    {
      name: decoding.name,
      classes: listing.classes,
      height: decoding.size,
      width: decoding.size,
      channels: 3,
      train,
      test,
      fallbackStats: decoding.fallbackStats,
      coveredClasses: decoding.coveredClasses,
    },
    config,
  );
}

/** Counts the listed images of each split against the published sizes (no decoding). */
export function verifyListing(folder: string, listing: FolderListing, expected: { train: number; test: number }): VerifyReport {
  const report = countReport(folder, { train: listing.train.length, test: listing.test.length }, expected);
  return { ...report, lines: [`classes: ${listing.classes.length}`, ...report.lines] };
}
