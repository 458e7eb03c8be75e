// The last step of every reader: apply the limits, measure the training pixels, name the parts.
import type { Dataset, ImageSplit } from './dataset';
import type { DatasetConfig } from './dataset-config';
import { limitSplit } from './balanced-subset';
import { channelStats, type ChannelStats } from './channel-stats';

export interface RawDataset {
  name: string;
  classes: string[];
  height: number;
  width: number;
  channels: number;
  train: ImageSplit;
  test: ImageSplit;
  /** Statistics to use when the training split is empty (evaluation-only sets). */
  fallbackStats?: ChannelStats;
  coveredClasses?: Int32Array;
}

export function assembleDataset(raw: RawDataset, config: DatasetConfig): Dataset {
  const imageBytes = raw.height * raw.width * raw.channels;
  const seed = config.seed ?? 0;
  const train = limitSplit(raw.train, config.trainLimit, seed, imageBytes);
  // A different seed for the test subset, so the two draws are not correlated.
  const test = limitSplit(raw.test, config.testLimit, seed + 1, imageBytes);
  const stats = train.count > 0 ? channelStats(train.images, raw.channels) : (raw.fallbackStats ?? channelStats(test.images, raw.channels));
  return {
    name: raw.name,
    classes: raw.classes,
    height: raw.height,
    width: raw.width,
    channels: raw.channels,
    train,
    test,
    mean: stats.mean,
    std: stats.std,
    ...(raw.coveredClasses ? { coveredClasses: raw.coveredClasses } : {}),
  };
}

export function emptySplit(): ImageSplit {
  return { images: new Uint8Array(0), labels: new Int32Array(0), count: 0 };
}

/** The train split as `read` gives it, or an empty one without reading anything when config.testOnly. */
export function trainSplitUnlessTestOnly(config: DatasetConfig, read: () => ImageSplit): ImageSplit {
  return config.testOnly ? emptySplit() : read();
}
