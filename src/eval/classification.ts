// Test-set accuracy of the plain network (mixing is training-only): top-1 and top-5 in %.
// Optionally over a subset of the model's classes (ImageNet-A / TinyImageNet-A): the logits are
// sliced to those classes before the top-k, as the reference ImageNet-A protocol does.
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset';
import { DataLoader } from '../data/loader';
import type { Model } from '../models/model';

export interface Accuracy {
  top1: number;
  top5: number;
  count: number;
}

export interface EvaluateOptions {
  batchSize: number;
  /** Model class indices to rank among (ascending); labels must be among them. Default: all. */
  classSubset?: Int32Array;
}

export async function evaluate(model: Model, dataset: Dataset, options: EvaluateOptions): Promise<Accuracy> {
  const loader = new DataLoader(dataset, 'test', { batchSize: options.batchSize, seed: 0, shuffle: false, augment: false });
  const subset = options.classSubset;
  const k = Math.min(5, subset ? subset.length : model.numClasses);
  let top1 = 0;
  let top5 = 0;
  let count = 0;
  for (let batch = loader.nextBatch(); batch; ) {
    const { x, labels } = batch;
    const hits = tf.tidy(() => {
      let { logits } = model.forward(x, { training: false });
      if (subset) logits = tf.gather(logits, tf.tensor1d(subset, 'int32'), 1);
      let { indices } = tf.topk(logits, k);
      if (subset) indices = tf.reshape(tf.gather(tf.tensor1d(subset, 'int32'), tf.reshape(indices, [-1])), indices.shape); // back to model class ids
      const match = tf.cast(tf.equal(indices, tf.tensor2d(labels, [labels.length, 1], 'int32')), 'int32');
      return tf.stack([tf.sum(tf.slice(match, [0, 0], [-1, 1])), tf.sum(match)]);
    });
    batch = loader.nextBatch(); // prepared while a GPU backend computes this one
    const [h1, h5] = await hits.data();
    hits.dispose();
    x.dispose();
    top1 += h1;
    top5 += h5;
    count += labels.length;
  }
  return { top1: (100 * top1) / count, top5: (100 * top5) / count, count };
}
