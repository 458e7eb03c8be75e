// The two output forms: one JSON object per line (what other tools read), and the text tables.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toJsonLine, type BenchRecord, type MixingRecord, type TorchReferenceRecord, type TrainStepRecord } from '../../src/bench/records';
import { benchSettings } from '../../src/bench/settings';
import { formatDuration, formatRecord, sectionVerdict } from '../../src/bench/text-report';
import { compareWithTorch, torchScriptArgs } from '../../src/bench/torch-reference';

const step: TrainStepRecord = {
  kind: 'train-step', backend: 'wasm', section: 'steps', backbone: 'resnet20', method: 'gridmix N=4', local_head: true,
  input_size: 32, num_classes: 10, batch_size: 128, warmup: 1, iterations: 5, ms_per_step: 2000, cpu_ms_per_step: 1900,
  images_per_second: 64, it_per_second: 0.5, parameters: 273124,
};

const reference: TorchReferenceRecord = {
  kind: 'torch-reference', backend: 'pytorch', backbone: 'resnet20', method: 'gridmix', local_head: true, grid: 4, batch_size: 128,
  num_classes: 10, threads: 2, torch_version: '1.13.0', warmup: 2, iterations: 5, ms_per_step: 500, cpu_ms_per_step: 900,
  images_per_second: 256, it_per_second: 2, parameters: 273124,
};

describe('JSON lines', () => {
  it('a record is one line of JSON that parses back to itself, kind first', () => {
    const line = toJsonLine(step);
    assert.ok(!line.includes('\n'));
    assert.deepEqual(JSON.parse(line), step);
    assert.ok(line.startsWith('{"kind":"train-step"'));
  });
});

describe('PyTorch comparison', () => {
  it('ratio is ours / PyTorch in images/s; parameter counts are compared', () => {
    const comparison = compareWithTorch(step, reference);
    assert.equal(comparison.ratio, 0.25);
    assert.equal(comparison.cpu_time_ratio, 900 / 1900);
    assert.equal(comparison.parameters_match, true);
    assert.equal(compareWithTorch(step, { ...reference, parameters: 272474 }).parameters_match, false);
  });
  it('the script is asked for the same batch, classes, grid and head', () => {
    const args = torchScriptArgs({ batchSize: 128, numClasses: 10, grid: 4, localHead: false, warmup: 2, iterations: 3 });
    assert.match(args[0], /scripts[\\/]reference[\\/]resnet20_gridmix_step\.py$/);
    assert.deepEqual(args.slice(1), ['--batch', '128', '--classes', '10', '--grid', '4', '--threads', '2', '--warmup', '2', '--iterations', '3', '--no-local-head']);
  });
});

describe('text report', () => {
  it('prints every kind of record', () => {
    const records: BenchRecord[] = [step, reference, compareWithTorch(step, reference)];
    for (const r of records) assert.ok(formatRecord(r).length > 0, r.kind);
    assert.match(formatRecord(compareWithTorch(step, reference)).join('\n'), /0\.25x[\s\S]*equal/);
  });
  it('says whether GridMix met the 3% target', () => {
    const mixing = (share: number): MixingRecord => ({
      kind: 'mixing', backend: 'wasm', method: 'gridmix N=4', height: 32, width: 32, channels: 3, batch_size: 128,
      rounds: 1, batches_per_round: 1, ms_per_batch: 1, images_per_second: 1, step_share_percent: share, reference_step_ms: 1,
    });
    assert.match(sectionVerdict('mixing', [mixing(1.2)]).join(''), /: met$/);
    assert.match(sectionVerdict('mixing', [mixing(4)]).join(''), /NOT met$/);
  });
  it('durations in seconds as the paper, hours beside the long ones', () => {
    assert.equal(formatDuration(8231.6), '8232 s (2.3 h)');
    assert.equal(formatDuration(95), '95 s');
  });
});

describe('settings', () => {
  it('the default sections, plus memory (first: the wasm heap never shrinks) and torch when asked; --only keeps that order', () => {
    assert.deepEqual(benchSettings({}).sections, ['mixing', 'steps', 'table3']);
    assert.deepEqual(benchSettings({ memory: true, compareTorch: true }).sections, ['memory', 'mixing', 'steps', 'table3', 'torch']);
    assert.deepEqual(benchSettings({ only: ['torch', 'mixing'] }).sections, ['mixing', 'torch']);
  });
  it('--quick shrinks the work and skips the big backbones in section 2', () => {
    const quick = benchSettings({ quick: true });
    const full = benchSettings({});
    assert.ok(quick.iterations < full.iterations && quick.budgetSeconds < full.budgetSeconds);
    assert.equal(quick.otherBackbones.length, 0);
    assert.equal(benchSettings({ quick: true, iterations: 1 }).iterations, 1);
  });
});
