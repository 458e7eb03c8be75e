// Mixing throughput (images per second) of each method on the active backend: the cost the paper
// says must be negligible next to forward + backward. Used by scripts/bench-mix.ts and `gridmix bench`.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../engine/rng';
import { createMixMethod, type MixMethodConfig } from './registry';

export interface MixBenchCase {
  /** Shown in reports, e.g. "gridmix N=4". */
  label: string;
  config: MixMethodConfig;
}

export const DEFAULT_MIX_BENCH_CASES: readonly MixBenchCase[] = [
  { label: 'baseline', config: { method: 'baseline' } },
  { label: 'mixup', config: { method: 'mixup' } },
  { label: 'cutmix', config: { method: 'cutmix' } },
  { label: 'gridmix N=4', config: { method: 'gridmix', grid: 4 } },
  { label: 'gridmix N=random', config: { method: 'gridmix', grid: 'random' } },
];

export interface MixBenchOptions {
  cases?: readonly MixBenchCase[];
  /** [height, width, channels] of the images. */
  shapes?: readonly (readonly [number, number, number])[];
  batchSize?: number;
  numClasses?: number;
  /** Timed batches per case (after warm-up). */
  batches?: number;
  warmupBatches?: number;
  seed?: number;
}

export interface MixBenchResult {
  label: string;
  backend: string;
  height: number;
  width: number;
  channels: number;
  batchSize: number;
  msPerBatch: number;
  imagesPerSecond: number;
}

/**
 * Times MixMethod.mix on one random batch per shape. Only mix() is timed, including the soft and
 * patch label tensors. The eager backends (wasm, cpu, tensorflow) finish each op before returning; a
 * GPU backend (webgpu) queues them, so each timed loop ends by awaiting one element of the last batch's
 * mixed images (the queue runs in order: that read waits for all of the loop's work).
 */
export async function measureMixThroughput(options: MixBenchOptions = {}): Promise<MixBenchResult[]> {
  const cases = options.cases ?? DEFAULT_MIX_BENCH_CASES;
  const shapes = options.shapes ?? [[32, 32, 3], [64, 64, 3]];
  const batchSize = options.batchSize ?? 128;
  const numClasses = options.numClasses ?? 100;
  const batches = options.batches ?? 20;
  const warmupBatches = options.warmupBatches ?? 3;
  const rng = new Rng(options.seed ?? 0);
  const results: MixBenchResult[] = [];

  for (const [height, width, channels] of shapes) {
    const pixels = new Float32Array(batchSize * height * width * channels);
    for (let k = 0; k < pixels.length; k++) pixels[k] = rng.uniform();
    const labels = Int32Array.from({ length: batchSize }, () => rng.int(numClasses));
    const x = tf.tensor4d(pixels, [batchSize, height, width, channels]);
    for (const { label, config } of cases) {
      const method = createMixMethod(config);
      const mixBatches = async (count: number) => {
        for (let k = 0; k < count; k++) {
          const mixed = method.mix(x, labels, numClasses, rng);
          if (k === count - 1) {
            const corner = tf.slice(mixed.x, [0, 0, 0, 0], [1, 1, 1, 1]);
            await corner.data();
            corner.dispose();
          }
          tf.dispose([mixed.x, mixed.yGlobal, ...(mixed.yPatch ? [mixed.yPatch] : [])]);
        }
      };
      await mixBatches(warmupBatches);
      const start = process.hrtime.bigint();
      await mixBatches(batches);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      results.push({
        label,
        backend: tf.getBackend(),
        height,
        width,
        channels,
        batchSize,
        msPerBatch: (seconds * 1000) / batches,
        imagesPerSecond: (batches * batchSize) / seconds,
      });
    }
    x.dispose();
  }
  return results;
}

/** A fixed-width text table of the results, one line per case and shape. */
export function formatMixBench(results: readonly MixBenchResult[]): string {
  const header = `${'method'.padEnd(18)} ${'backend'.padEnd(8)} ${'image'.padEnd(9)} ${'batch'.padStart(5)} ${'ms/batch'.padStart(9)} ${'images/s'.padStart(10)}`;
  const lines = results.map(
    (r) =>
      `${r.label.padEnd(18)} ${r.backend.padEnd(8)} ${`${r.height}x${r.width}x${r.channels}`.padEnd(9)} ${String(r.batchSize).padStart(5)} ${r.msPerBatch.toFixed(2).padStart(9)} ${Math.round(r.imagesPerSecond).toString().padStart(10)}`,
  );
  return [header, ...lines].join('\n');
}
