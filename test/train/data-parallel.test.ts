// The data-parallel replica pool (src/train/data-parallel/): two worker threads on a narrow
// resnet20 give the weighted mean of the per-shard gradients, apply identical updates, surface a
// worker's error as an Error, and leak no tensors.
//
// The reference gradient is the share-weighted mean of single-process gradients of each shard, in
// training-mode batch norm, not the full-batch gradient in eval mode: training mode is what the
// replicas actually run, and with per-replica batch statistics (DDP without SyncBatchNorm) the
// per-shard mean is exactly what the pool promises. An eval-mode comparison would need a switch
// the training path never uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../src/errors';
import { optimizerSchema } from '../../src/config/schema';
import { Rng } from '../../src/engine/rng';
import { createMixMethod } from '../../src/mix/registry';
import { createModel } from '../../src/models/registry';
import { gridmixLoss } from '../../src/train/losses';
import { shardSizes, shardTensors, type BatchShard } from '../../src/train/data-parallel/batch-shards';
import { mixAndSplit } from '../../src/train/data-parallel/data-parallel-step';
import { Replica, type ReplicaSpec } from '../../src/train/data-parallel/replica';
import { ReplicaPool } from '../../src/train/data-parallel/replica-pool';
import { checkWorkersBackend } from '../../src/train/data-parallel/workers-backend';
import { selectBackend } from '../../src/engine/backend';
import { useBackend } from '../helpers/backend';
import { nativeAddonMissing } from '../helpers/native';

const SPEC: ReplicaSpec = {
  backbone: 'resnet20',
  numClasses: 10,
  inputSize: 16,
  inChannels: 3,
  localHead: true,
  seed: 7,
  widthScale: 0.25,
  optimizer: optimizerSchema.parse({ lr: 0.1 }), // momentum 0.9, weight decay 5e-4: the defaults
  gamma: 0.15,
  localReduction: 'sum-over-cells',
};

/** A mixed GridMix batch of `batchSize` random images, split into `parts` shards. */
async function mixedShards(batchSize: number, parts: number, seed: number): Promise<BatchShard[]> {
  const rng = new Rng(seed);
  const method = createMixMethod({ method: 'gridmix', grid: 2, p: 0.8, gamma: SPEC.gamma });
  const x = tf.randomNormal([batchSize, SPEC.inputSize, SPEC.inputSize, SPEC.inChannels], 0, 1, 'float32', seed) as tf.Tensor4D;
  const labels = Int32Array.from({ length: batchSize }, () => rng.int(SPEC.numClasses));
  const shards = await mixAndSplit({ method, numClasses: SPEC.numClasses, rng, dropoutRng: rng.fork() }, { x, labels }, parts);
  x.dispose();
  return shards;
}

function copyShard(shard: BatchShard): BatchShard {
  return { ...shard, x: shard.x.slice(), yGlobal: shard.yGlobal.slice(), dominantLabel: shard.dominantLabel.slice(), yPatch: shard.yPatch?.slice() };
}

/** Single-process gradient of one shard, written out directly (tf.variableGrads on a fresh model of the same seed). */
function referenceGradient(shard: BatchShard): Float32Array {
  const model = createModel(SPEC.backbone, { ...SPEC, seed: SPEC.seed, widthScale: SPEC.widthScale });
  const params = model.parameters();
  const flat = tf.tidy(() => {
    const { x, yGlobal, yPatch } = shardTensors(shard);
    const { grads } = tf.variableGrads(() => {
      const out = model.forward(x, { training: true, grid: shard.grid });
      return gridmixLoss({ logits: out.logits, yGlobal, cellLogits: out.cellLogits, yPatch, gamma: SPEC.gamma, reduction: 'sum-over-cells' }).total;
    }, params.map((p) => p.variable));
    return tf.concat(params.map((p) => tf.reshape(grads[p.variable.name], [-1])));
  });
  const values = flat.dataSync() as Float32Array;
  flat.dispose();
  model.dispose();
  return values;
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    diff += (actual[i] - expected[i]) ** 2;
    norm += expected[i] ** 2;
  }
  return Math.sqrt(diff / norm);
}

test('shard sizes are near-equal and add up to the batch', () => {
  assert.deepEqual(shardSizes(128, 2), [64, 64]);
  assert.deepEqual(shardSizes(5, 2), [3, 2]);
  assert.deepEqual(shardSizes(1, 2), [1, 0]);
  assert.deepEqual(shardSizes(10, 3), [4, 3, 3]);
});

test('each shard carries its own dropout seed, drawn from the run\'s dropout stream', async () => {
  await useBackend('wasm');
  const draw = async () => (await mixedShards(6, 3, 11)).map((s) => s.dropoutSeed);
  const seeds = await draw();
  assert.equal(new Set(seeds).size, 3, `seeds ${seeds.join(', ')}`);
  assert.deepEqual(await draw(), seeds, 'the same stream state gives the same seeds');
});

test('two workers: the averaged gradient is the share-weighted mean of per-shard gradients; replicas stay identical', async () => {
  await useBackend('wasm');
  const pool = await ReplicaPool.start(SPEC, 2);
  try {
    assert.equal(pool.backend, 'wasm', 'plain wasm workers unless native is asked for');
    const shards = await mixedShards(5, 2, 11); // odd: shards of 3 and 2 samples, weights 3/5 and 2/5
    assert.deepEqual(shards.map((s) => s.count), [3, 2]);
    const copies = shards.map(copyShard);
    const before = await pool.replicaStates();
    assert.deepEqual(before[0], before[1], 'same seed, same initial replicas');

    const gradients = await pool.computeGradients(shards);
    const [g0, g1] = copies.map(referenceGradient);
    const expected = g0.map((v, i) => (3 / 5) * v + (2 / 5) * g1[i]);
    const actual = gradients.averaged.subarray(0, expected.length);
    const error = relativeError(actual, expected);
    assert.ok(error < 1e-5, `relative error ${error}`);
    assert.ok(relativeError(actual, g0.map((v, i) => 0.5 * v + 0.5 * g1[i])) > 1e-3, "equal weights would be measurably wrong");
    assert.equal(gradients.count, 5);
    assert.ok(gradients.reached.every(Boolean), 'the loss reaches every parameter (gamma > 0: the local head too)');

    // The same update on a replica in this thread gives bit for bit the workers' state.
    await pool.applyUpdate(gradients, 0.1);
    const after = await pool.replicaStates();
    assert.deepEqual(after[0], after[1], 'replicas identical after the step');
    assert.notDeepEqual(after[0], before[0]);
    const local = new Replica(SPEC);
    local.apply(gradients.averaged, gradients.reached, 0.1);
    assert.deepEqual(await local.getState(), after[0]);
    local.dispose();
  } finally {
    await pool.dispose();
  }
});

test('native: true: every worker runs wasm+onednn and the gradient matches the per-shard reference on native kernels', async (t) => {
  const missing = nativeAddonMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  // The reference on this thread uses the native kernels too (oneDNN's own thread count here, one
  // thread in each worker: summation orders differ, hence a looser bound than plain wasm's 1e-5).
  await selectBackend('wasm', { native: true });
  const pool = await ReplicaPool.start(SPEC, 2, undefined, { native: true });
  try {
    assert.equal(pool.backend, 'wasm+onednn');
    const shards = await mixedShards(5, 2, 11);
    const copies = shards.map(copyShard);
    const gradients = await pool.computeGradients(shards);
    const [g0, g1] = copies.map(referenceGradient);
    const expected = g0.map((v, i) => (3 / 5) * v + (2 / 5) * g1[i]);
    const error = relativeError(gradients.averaged.subarray(0, expected.length), expected);
    assert.ok(error < 1e-4, `relative error ${error}`);
    await pool.applyUpdate(gradients, 0.1);
    const [a, b] = await pool.replicaStates();
    assert.deepEqual(a, b, 'replicas identical after the step');
  } finally {
    await pool.dispose();
    await selectBackend('wasm', { native: false }); // the other tests here compare plain wasm
  }
});

test('a batch smaller than the worker count: the empty replica sits the step out', async () => {
  await useBackend('wasm');
  const pool = await ReplicaPool.start(SPEC, 2);
  try {
    const shards = (await mixedShards(2, 2, 3)).map((s, i) => (i === 0 ? s : { ...s, count: 0, x: new Float32Array(0), yGlobal: new Float32Array(0), yPatch: new Int32Array(0), dominantLabel: new Int32Array(0) }));
    const copy = copyShard(shards[0]);
    const gradients = await pool.computeGradients(shards);
    const expected = referenceGradient(copy);
    assert.ok(relativeError(gradients.averaged.subarray(0, expected.length), expected) < 1e-5);
    await pool.applyUpdate(gradients, 0.1);
    const [a, b] = await pool.replicaStates();
    assert.deepEqual(a, b);
  } finally {
    await pool.dispose();
  }
});

test('no tensor leaks in the workers over repeated steps', async () => {
  await useBackend('wasm');
  const pool = await ReplicaPool.start(SPEC, 2);
  try {
    let after2: number[] = [];
    for (let step = 1; step <= 8; step++) {
      const result = await pool.step(await mixedShards(8, 2, step), 0.05);
      assert.ok(Number.isFinite(result.loss));
      if (step === 2) after2 = await pool.tensorCounts();
    }
    assert.deepEqual(await pool.tensorCounts(), after2);
  } finally {
    await pool.dispose();
  }
});

test("a worker's failure surfaces on the main thread as an Error with the worker's message", async () => {
  await useBackend('wasm');
  const pool = await ReplicaPool.start(SPEC, 2);
  try {
    const shards = await mixedShards(4, 2, 5);
    shards[1] = { ...shards[1], imageShape: [SPEC.inputSize, SPEC.inputSize, 7] }; // wrong channel count
    await assert.rejects(pool.computeGradients(shards), (err: Error) => {
      assert.match(err.message, /^data-parallel worker 1: .*shape/i);
      return true;
    });
  } finally {
    await pool.dispose();
  }
});

test('training.workers > 1 is refused off the wasm backend with one line', () => {
  assert.doesNotThrow(() => checkWorkersBackend(1, 'cpu'));
  assert.doesNotThrow(() => checkWorkersBackend(2, 'wasm'));
  assert.throws(() => checkWorkersBackend(2, 'tensorflow'), (err: Error) => err instanceof UserError && /wasm backend/.test(err.message) && !err.message.includes('\n'));
  assert.throws(() => checkWorkersBackend(2, 'cpu'), UserError);
});
