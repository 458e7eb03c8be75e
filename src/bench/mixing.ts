// Mixing throughput of each method (src/mix/throughput.ts does the timing), repeated in rounds so the
// median round is kept, and each method's cost as a share of one training step: the paper's claim is
// that GridMix's mask generation is negligible next to forward + backward.
import { measureMixThroughput, DEFAULT_MIX_BENCH_CASES, type MixBenchResult } from '../mix/throughput';
import type { MixingRecord } from './records';
import { median } from './statistics';

/** The goal printed beside the numbers: GridMix's mixing at most this % of a ResNet-20 step. */
export const GRIDMIX_STEP_SHARE_TARGET_PERCENT = 3;

export interface MixingArgs {
  shapes: readonly (readonly [number, number, number])[];
  batchSize: number;
  numClasses: number;
  rounds: number;
  batchesPerRound: number;
}

function keyOf(r: MixBenchResult): string {
  return `${r.label}|${r.height}x${r.width}x${r.channels}`;
}

export async function measureMixing(args: MixingArgs): Promise<MixingRecord[]> {
  const rounds: MixBenchResult[][] = [];
  for (let round = 0; round < args.rounds; round++) {
    rounds.push(
      await measureMixThroughput({
        cases: DEFAULT_MIX_BENCH_CASES,
        shapes: args.shapes,
        batchSize: args.batchSize,
        numClasses: args.numClasses,
        batches: args.batchesPerRound,
        // The first round warms up the kernels; later rounds only need the method's own first call.
        warmupBatches: round === 0 ? 3 : 1,
        seed: round,
      }),
    );
  }
  return rounds[0].map((first) => {
    const same = rounds.map((results) => results.find((r) => keyOf(r) === keyOf(first))!);
    const msPerBatch = median(same.map((r) => r.msPerBatch));
    return {
      kind: 'mixing',
      backend: first.backend,
      method: first.label,
      height: first.height,
      width: first.width,
      channels: first.channels,
      batch_size: first.batchSize,
      rounds: args.rounds,
      batches_per_round: args.batchesPerRound,
      ms_per_batch: msPerBatch,
      images_per_second: (first.batchSize * 1000) / msPerBatch,
    };
  });
}

/**
 * Adds each method's share of one training step to the records of the step's image size and batch
 * (the other sizes have no step to compare with and are returned unchanged).
 */
export function withStepShare(records: readonly MixingRecord[], stepMs: number, height: number, width: number, batchSize: number): MixingRecord[] {
  return records.map((r) =>
    r.height === height && r.width === width && r.batch_size === batchSize
      ? { ...r, step_share_percent: (100 * r.ms_per_batch) / stepMs, reference_step_ms: stepMs }
      : r,
  );
}
