// Batches whose provenance can be read back from the pixels: image i is the constant value
// valueOf(i) = i + 1 everywhere and has its own class i, so a mixed pixel v between images i and p
// shows the weight of i as (v - valueOf(p)) / (valueOf(i) - valueOf(p)).
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { MixedBatch } from '../../src/mix/mix-method';

export interface ConstantBatch {
  x: tf.Tensor4D;
  labels: Int32Array;
  numClasses: number;
  height: number;
  width: number;
  channels: number;
}

export function valueOf(i: number): number {
  return i + 1;
}

export function constantBatch(batch: number, height: number, width: number, channels = 3): ConstantBatch {
  const pixels = height * width * channels;
  const data = new Float32Array(batch * pixels);
  for (let i = 0; i < batch; i++) data.fill(valueOf(i), i * pixels, (i + 1) * pixels);
  const labels = Int32Array.from({ length: batch }, (_, i) => i);
  // Two spare classes so that no soft target row is full by accident.
  return { x: tf.tensor4d(data, [batch, height, width, channels]), labels, numClasses: batch + 2, height, width, channels };
}

/** Per pixel (h, w) of sample i, the weight of image A (channel 0; all channels are checked equal). */
export function weightsOfA(mixed: MixedBatch, input: ConstantBatch, i: number): Float64Array {
  const { height, width, channels } = input;
  const p = mixed.partner[i];
  const pixels = mixed.x.slice([i, 0, 0, 0], [1, height, width, channels]);
  const values = pixels.dataSync();
  pixels.dispose();
  const weights = new Float64Array(height * width);
  for (let k = 0; k < height * width; k++) {
    for (let c = 1; c < channels; c++) assert.equal(values[k * channels + c], values[k * channels], 'channels differ');
    if (p === i) assert.equal(values[k * channels], valueOf(i), `sample ${i} is its own partner but changed`);
    weights[k] = p === i ? 1 : (values[k * channels] - valueOf(p)) / (valueOf(i) - valueOf(p));
  }
  return weights;
}

/**
 * The contract every method owes: for every sample, lambda is the share of image A in the pixels,
 * the soft label gives lambda to A's class and 1 - lambda to B's, and the dominant label follows.
 * Returns how many samples had a partner other than themselves (so a test can insist on some).
 */
export function assertLambdaMatchesPixels(mixed: MixedBatch, input: ConstantBatch, options: { binary: boolean }): number {
  const batch = input.labels.length;
  const targets = mixed.yGlobal.arraySync();
  let paired = 0;
  for (let i = 0; i < batch; i++) {
    const p = mixed.partner[i];
    const weights = weightsOfA(mixed, input, i);
    if (options.binary) for (const w of weights) assert.ok(w === 0 || w === 1, `sample ${i}: pixel weight ${w} is not 0 or 1`);
    const share = weights.reduce((a, b) => a + b, 0) / weights.length;
    const lambda = mixed.lambda[i];
    const expectedTargets = new Array(input.numClasses).fill(0);
    expectedTargets[input.labels[i]] += lambda;
    expectedTargets[input.labels[p]] += 1 - lambda;
    if (p !== i) {
      paired++;
      assert.ok(Math.abs(share - lambda) < 1e-5, `sample ${i}: pixels say ${share} of A, lambda says ${lambda}`);
    }
    targets[i].forEach((t, k) => assert.ok(Math.abs(t - expectedTargets[k]) < 1e-6, `sample ${i}: target[${k}] = ${t}, want ${expectedTargets[k]}`));
    assert.equal(mixed.dominantLabel[i], lambda >= 0.5 ? input.labels[i] : input.labels[p]);
  }
  return paired;
}

export function disposeMixed(mixed: MixedBatch): void {
  mixed.x.dispose();
  mixed.yGlobal.dispose();
  mixed.yPatch?.dispose();
}

/** Run fn and assert that it leaves no tensor behind. */
export function assertNoLeak(fn: () => void): void {
  const before = tf.memory().numTensors;
  fn();
  assert.equal(tf.memory().numTensors, before, 'live tensor count changed');
}
