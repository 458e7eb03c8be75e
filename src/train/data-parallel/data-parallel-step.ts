// trainStep (src/train/train-step.ts) spread over a ReplicaPool: the main thread mixes exactly as
// the single-thread step does (same RNG draws, same mixed batch), splits the batch and lets the
// replicas do forward, loss, gradients and the update. Batch-norm statistics inside a step are
// per replica (like PyTorch DDP without SyncBatchNorm), so numbers differ from training.workers: 1
// but are the same from run to run for a given seed and worker count.
import * as tf from '@tensorflow/tfjs';
import type { MixedBatch } from '../../mix/mix-method';
import type { StepContext, StepInputs, StepResult } from '../train-step';
import { splitMixedBatch, type BatchShard } from './batch-shards';
import type { ReplicaPool } from './replica-pool';

/**
 * Mixes a batch on the main thread and cuts it into one shard per replica. Each shard carries a
 * dropout seed drawn from the run's dropout stream, so the replicas draw different masks and a
 * resumed run (which restores that stream) draws the same ones as an uninterrupted run.
 */
export async function mixAndSplit(ctx: Pick<StepContext, 'method' | 'numClasses' | 'rng' | 'dropoutRng'>, batch: StepInputs, parts: number): Promise<BatchShard[]> {
  let mixed!: MixedBatch;
  tf.tidy(() => {
    mixed = ctx.method.mix(batch.x, batch.labels, ctx.numClasses, ctx.rng);
    // Kept past the tidy: they are read (awaited) below, then disposed.
    for (const t of [mixed.x, mixed.yGlobal, mixed.yPatch]) if (t) tf.keep(t);
  });
  let shards: BatchShard[];
  try {
    shards = await splitMixedBatch(mixed, parts);
  } finally {
    tf.dispose([mixed.x, mixed.yGlobal, ...(mixed.yPatch ? [mixed.yPatch] : [])]);
  }
  for (const shard of shards) shard.dropoutSeed = ctx.dropoutRng.int(0x7fffffff);
  return shards;
}

export async function dataParallelStep(pool: ReplicaPool, ctx: StepContext, batch: StepInputs, lr: number): Promise<StepResult> {
  const { loss, correct, count } = await pool.step(await mixAndSplit(ctx, batch, pool.size), lr);
  return { loss, correct, count };
}
