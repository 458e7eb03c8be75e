// The mixed samples `gridmix preview` shows: batches drawn by the ordinary DataLoader (so crop, flip
// and shuffling are those of training), mixed by the method, and turned back into uint8 pixels
// together with a record of where every pixel came from (dataset indices, mask or box, lambda).
//
// Pixels round-trip exactly: the batch is built on the 0-1 scale (mean 0, std 1) instead of the
// dataset's normalisation, so a pixel v enters as float32(v / 255) and round(255 * x) gives v back.
// Mixing is affine with weights summing to 1, so mixing on the 0-1 scale and then normalising is the
// same image as mixing normalised pixels (what training does); a 0/1 mask (CutMix, GridMix) copies
// the source values bit for bit, and MixUp's convex mix is rounded once, to the nearest level.
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset';
import { DataLoader, type SplitName } from '../data/loader';
import { Rng } from '../engine/rng';
import type { CutBox, MixMethod } from '../mix/mix-method';
import { describeMixedSamples } from '../mix/mix-record';

/** Images mixed per batch: the pairing partners come from the same batch, as in training. */
export const PREVIEW_BATCH_SIZE = 64;

export interface PreviewSourceImage {
  /** Index of the image in the dataset split. */
  index: number;
  label: number;
  className: string;
}

/** One mixed sample: what the PNG shows and the JSON says about it. */
export interface PreviewSampleRecord {
  split: SplitName;
  /** Image A (kept where the mask is 1, outside the CutMix box, with weight lambda in MixUp). */
  a: PreviewSourceImage;
  /** Image B, A's partner in the batch. */
  b: PreviewSourceImage;
  /** Share of image A in the mixed image (the pixel share for CutMix and GridMix). */
  lambda: number;
  /** The label the sample counts as for training accuracy (A if lambda >= 0.5). */
  dominantLabel: number;
  /** CutMix: the half-open pixel rectangle taken from B. */
  box?: CutBox;
  /** GridMix: cells per side. */
  grid?: number;
  /** GridMix: N x N, 1 = the cell shows A, 0 = B. */
  mask?: number[][];
  /** GridMix: N x N class ids, the label of the image each cell shows. */
  patchLabels?: number[][];
}

export interface PreviewSample {
  /** H x W x C uint8, exactly the mixed image. */
  pixels: Uint8Array;
  record: PreviewSampleRecord;
}

export interface PreviewSampleOptions {
  split: SplitName;
  count: number;
  /** The loader's standard crop + flip before mixing. */
  augment: boolean;
  seed: number;
}

/** The seed of the mixing stream, kept apart from the loader's (which forks its own from `seed`). */
function mixSeed(seed: number): number {
  return (seed + 1_000_003) | 0;
}

/** `count` mixed samples of `split`, batch after batch (epochs restart when the split runs out). */
export async function drawPreviewSamples(dataset: Dataset, method: MixMethod, options: PreviewSampleOptions): Promise<PreviewSample[]> {
  const onZeroOneScale: Dataset = { ...dataset, mean: dataset.mean.map(() => 0), std: dataset.std.map(() => 1) };
  const loader = new DataLoader(onZeroOneScale, options.split, {
    batchSize: Math.min(PREVIEW_BATCH_SIZE, options.count),
    seed: options.seed,
    shuffle: true,
    augment: options.augment,
  });
  const mixRng = new Rng(mixSeed(options.seed));
  const imageSize = dataset.height * dataset.width * dataset.channels;
  const samples: PreviewSample[] = [];
  while (samples.length < options.count) {
    const batch = loader.nextBatch();
    if (!batch) continue; // the epoch ended; the next call starts a new one
    const mixed = method.mix(batch.x, batch.labels, dataset.classes.length, mixRng);
    const values = await mixed.x.data();
    const records = describeMixedSamples(mixed, batch.labels);
    tf.dispose([batch.x, mixed.x, mixed.yGlobal, ...(mixed.yPatch ? [mixed.yPatch] : [])]);
    for (let i = 0; i < records.length && samples.length < options.count; i++) {
      const pixels = new Uint8Array(imageSize);
      for (let k = 0; k < imageSize; k++) pixels[k] = Math.round(values[i * imageSize + k] * 255);
      const r = records[i];
      const source = (position: number, label: number): PreviewSourceImage => ({
        index: batch.indices[position],
        label,
        className: dataset.classes[label],
      });
      const record: PreviewSampleRecord = {
        split: options.split,
        a: source(r.index, r.labelA),
        b: source(r.partner, r.labelB),
        lambda: r.lambda,
        dominantLabel: r.dominantLabel,
      };
      if (r.box) record.box = r.box;
      if (r.mask && mixed.params.kind === 'gridmix') {
        record.grid = mixed.params.grid;
        record.mask = r.mask;
        record.patchLabels = r.patchLabels;
      }
      samples.push({ pixels, record });
    }
  }
  return samples;
}
