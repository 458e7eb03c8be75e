// The pure parts of the bench: medians, the Table 3 projection, the budget that shrinks or skips a
// measurement, memory growth, the share of a step. No timing is asserted anywhere.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batchCandidates, estimatedSeconds, largestBatchWithinBudget, secondsPerImage } from '../../src/bench/budget';
import { baselineAndEnd, growthPercent } from '../../src/bench/memory';
import { WasmHeapExhausted } from '../../src/bench/backbone-jobs';
import { withStepShare } from '../../src/bench/mixing';
import type { MixingRecord } from '../../src/bench/records';
import { median, timeRuns } from '../../src/bench/statistics';
import { itPerSecondAtBatch, projectedSeconds, table3Cells } from '../../src/bench/table3';
import { TABLE3 } from '../../src/report/paper-numbers';

describe('median', () => {
  it('is the middle value of an odd count, in any order', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([7]), 7);
  });
  it('is the mean of the two middle values of an even count', () => {
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });
  it('ignores one slow outlier (a run slowed by another job)', () => {
    assert.equal(median([1.0, 1.1, 0.9, 40]), 1.05);
  });
  it('does not reorder its input and refuses no values', () => {
    const values = [3, 1, 2];
    median(values);
    assert.deepEqual(values, [3, 1, 2]);
    assert.throws(() => median([]));
  });
});

describe('timeRuns', () => {
  it('runs the warm-up untimed, then each timed iteration once', async () => {
    let calls = 0;
    const times = await timeRuns(async () => void calls++, 2, 3);
    assert.equal(calls, 5);
    assert.equal(times.runs, 3);
    assert.ok(times.wallSeconds >= 0 && times.cpuSeconds >= 0);
    await assert.rejects(timeRuns(async () => undefined, 0, 0));
  });
});

describe('Table 3 projection', () => {
  it('reproduces the paper\'s projected times from its it/s (391 iterations x 200 epochs, truncated to seconds)', () => {
    const paperSeconds: Record<string, number[]> = { vgg19_bn: [8231, 8688, 9200], resnet101: [19550, 20578, 22342] };
    for (const row of TABLE3) {
      const projected = [row.values.mixup!, row.values.cutmix!, row.values.gridmix!].map((itPerSecond) => Math.floor(projectedSeconds(itPerSecond)));
      assert.deepEqual(projected, paperSeconds[row.backbone], row.backbone);
    }
  });
  it('scales images/s measured at any batch to iterations of 128', () => {
    assert.equal(itPerSecondAtBatch(256), 2);
    assert.equal(itPerSecondAtBatch(64, 32), 2);
    assert.equal(projectedSeconds(2, 10, 3), 15);
  });
  it('has one cell per backbone and method, GridMix with the paper\'s 4x4 grid', () => {
    const cells = table3Cells();
    assert.deepEqual(cells.map((c) => `${c.backbone} ${c.variant}`), [
      'vgg19_bn mixup', 'vgg19_bn cutmix', 'vgg19_bn gridmix', 'resnet101 mixup', 'resnet101 cutmix', 'resnet101 gridmix',
    ]);
    assert.deepEqual(cells.find((c) => c.variant === 'gridmix')!.method, { method: 'gridmix', grid: 4 });
    assert.equal(cells[0].paperItPerSecond, 9.5);
  });
});

describe('budget', () => {
  it('halves the batch down to the smallest', () => {
    assert.deepEqual(batchCandidates(128, 8), [128, 64, 32, 16, 8]);
    assert.deepEqual(batchCandidates(4, 8), [4]);
  });
  it('estimates from the probe and picks the largest batch that fits', () => {
    const perImage = secondsPerImage(2, 4); // 0.5 s per image
    const plan = { steps: 3, budgetSeconds: 60 };
    assert.equal(estimatedSeconds(perImage, 32, plan), 48);
    assert.equal(largestBatchWithinBudget(perImage, [128, 64, 32, 16], plan), 32);
    assert.equal(largestBatchWithinBudget(perImage, [128, 64], plan), undefined);
  });
});

describe('a wasm heap that ran out', () => {
  it('names its batch in a line the parent process reads back', () => {
    const error = new WasmHeapExhausted(32, 'memory access out of bounds');
    assert.equal(WasmHeapExhausted.batchIn(error.message), 32);
    assert.match(error.message, /memory access out of bounds; a wasm instance addresses at most 4 GiB/);
    assert.equal(WasmHeapExhausted.batchIn('Aborted(). Build with -sASSERTIONS for more info.'), undefined);
  });
});

describe('memory growth and step share', () => {
  it('growth is the % change from the baseline step', () => {
    assert.equal(growthPercent(200, 210), 5);
    assert.equal(growthPercent(200, 190), -5);
  });
  it('readings that move around a level give no growth; a steady rise does', () => {
    const steps = 200;
    const at = (f: (k: number) => number) => Array.from({ length: 20 }, (_, i) => [10 + 10 * i, f(10 + 10 * i)] as [number, number]);
    // +-10% around 240 (what a healthy run reads): first-half and last-quarter medians match.
    const [flatBase, flatEnd] = baselineAndEnd(at((k) => 240 + (k % 20 === 0 ? 24 : -24)), steps);
    assert.equal(growthPercent(flatBase, flatEnd), 0);
    // 0.25 MB per step on 230 MB (a leak of 50 MB over the loop): well past the 5% target.
    const [leakBase, leakEnd] = baselineAndEnd(at((k) => 230 + 0.25 * k), steps);
    assert.ok(growthPercent(leakBase, leakEnd) > 10, `${leakBase} -> ${leakEnd}`);
  });
  it('the step share is set on the reference step\'s size only', () => {
    const record = (height: number): MixingRecord => ({
      kind: 'mixing', backend: 'wasm', method: 'gridmix N=4', height, width: height, channels: 3, batch_size: 128,
      rounds: 1, batches_per_round: 1, ms_per_batch: 20, images_per_second: 6400,
    });
    const [at32, at64] = withStepShare([record(32), record(64)], 1000, 32, 32, 128);
    assert.equal(at32.step_share_percent, 2);
    assert.equal(at32.reference_step_ms, 1000);
    assert.equal(at64.step_share_percent, undefined);
  });
});
