// The PNG of mixed training samples each run saves: a batch drawn and mixed with their own seeded
// streams (so making the picture does not change the training run), denormalised back to pixels.
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/schema';
import type { Dataset } from '../data/dataset';
import { DataLoader } from '../data/loader';
import { Rng } from '../engine/rng';
import type { MixMethod } from '../mix/mix-method';
import { writeSampleGrid } from '../report/sample-grid';

const SAMPLE_COUNT = 16;

/** Class names cut to fit under a thumbnail. */
function short(name: string): string {
  return name.length > 6 ? name.slice(0, 5) + '.' : name;
}

function methodTitle(config: ExperimentConfig): string {
  const m = config.method;
  switch (m.name) {
    case 'gridmix':
      return `gridmix  N=${m.grid}${m.grid === 'random' ? ` (${m.gridChoices.join('/')})` : ''}  p=${m.p}  gamma=${m.gamma}`;
    case 'mixup':
    case 'cutmix':
      return `${m.name}  alpha=${m.alpha}`;
    default:
      return m.name;
  }
}

export async function saveMixedSamples(file: string, config: ExperimentConfig, dataset: Dataset, method: MixMethod): Promise<void> {
  const loader = new DataLoader(dataset, 'train', { batchSize: Math.min(SAMPLE_COUNT, dataset.train.count), seed: config.seed + 7919 });
  const batch = loader.nextBatch();
  if (!batch) return;
  const { image, lambda, labels, partnerLabels } = tf.tidy(() => {
    const mixed = method.mix(batch.x, batch.labels, dataset.classes.length, new Rng(config.seed + 104729));
    const mean = tf.tensor1d(dataset.mean);
    const std = tf.tensor1d(dataset.std);
    const image = tf.clipByValue(tf.round(tf.mul(tf.add(tf.mul(mixed.x, std), mean), 255)), 0, 255);
    return {
      image: tf.cast(image, 'int32'),
      lambda: mixed.lambda,
      labels: batch.labels,
      partnerLabels: Int32Array.from(mixed.partner, (j) => batch.labels[j]),
    };
  });
  const pixels = (await image.data()) as Int32Array;
  tf.dispose([image, batch.x]);
  const size = dataset.height * dataset.width * dataset.channels;
  const names = dataset.classes;
  await writeSampleGrid(file, {
    title: methodTitle(config),
    height: dataset.height,
    width: dataset.width,
    channels: dataset.channels,
    samples: Array.from(lambda, (l, i) => ({
      pixels: Uint8Array.from(pixels.subarray(i * size, (i + 1) * size)),
      caption: config.method.name === 'baseline' ? short(names[labels[i]]) : `λ=${l.toFixed(2)} ${short(names[labels[i]])}/${short(names[partnerLabels[i]])}`,
    })),
  });
}
