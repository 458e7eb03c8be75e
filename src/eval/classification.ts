// Test-set accuracy of the plain network (mixing is training-only): top-1 and top-5 in %.
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset';
import { DataLoader } from '../data/loader';
import type { Model } from '../models/model';

export interface Accuracy {
  top1: number;
  top5: number;
  count: number;
}

export function evaluate(model: Model, dataset: Dataset, batchSize: number): Accuracy {
  const loader = new DataLoader(dataset, 'test', { batchSize, seed: 0, shuffle: false, augment: false });
  const k = Math.min(5, dataset.classes.length);
  let top1 = 0;
  let top5 = 0;
  let count = 0;
  for (let batch = loader.nextBatch(); batch; batch = loader.nextBatch()) {
    const hits = tf.tidy(() => {
      const { logits } = model.forward(batch!.x, { training: false });
      const { indices } = tf.topk(logits, k);
      const labels = tf.tensor2d(batch!.labels, [batch!.labels.length, 1], 'int32');
      const match = tf.cast(tf.equal(indices, labels), 'int32');
      const first = tf.sum(tf.slice(match, [0, 0], [-1, 1]));
      return tf.stack([first, tf.sum(match)]);
    });
    const [h1, h5] = hits.dataSync();
    hits.dispose();
    batch.x.dispose();
    top1 += h1;
    top5 += h5;
    count += batch.labels.length;
  }
  return { top1: (100 * top1) / count, top5: (100 * top5) / count, count };
}
