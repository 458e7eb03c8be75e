// The report's tables from synthetic run records: paper beside ours, mean ± std over seeds, "not run"
// cells, ablation cells kept to Table 4, Table 3's projection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord } from '../../src/report/collect';
import { table1, table3, table4 } from '../../src/report/build-tables';
import { stats, toCsv, toMarkdown } from '../../src/report/table';
import type { Summary } from '../../src/train/run-files';

function run(over: Partial<Summary>, batchSize = 128): RunRecord {
  const summary: Summary = {
    experiment: 'x', ablation_cell: null, dataset: 'cifar100', image_size: 32, backbone: 'vgg19_bn', method: 'gridmix', grid: 4, p: 0.8, gamma: 0.15,
    epochs: 200, seed: 0, backend: 'wasm', native_kernels: [], top1: 70, top5: 90, best_top1: 70, last_top1: 70, median_last10_top1: 70,
    train_acc_measure: 'dominant label of the mixed sample', train_seconds: 100, images_per_second: 256, parameters: 1,
    git_commit: null, finished: true, ...over,
  };
  return { dir: `/r/${summary.experiment}/${summary.seed}`, summary, batchSize, recipe: 'R', evals: {} };
}

test('stats: mean and sample standard deviation', () => {
  const s = stats([76, 77, 78])!;
  assert.equal(s.mean, 77);
  assert.equal(s.std, 1);
  assert.equal(s.n, 3);
  assert.equal(stats([]), null);
});

test('Table 1: seeds pool into mean ± std beside the paper; unfinished and ablation runs are left out', () => {
  const runs = [
    run({ seed: 0, top1: 76 }), run({ seed: 1, top1: 77 }), run({ seed: 2, top1: 78 }),
    run({ seed: 3, top1: 10, finished: false }),
    run({ seed: 4, top1: 10, ablation_cell: 'grid4-p0.8-gamma0.15' }),
    run({ method: 'mixup', grid: null, p: null, gamma: null, top1: 75.5 }),
    run({ method: 'gridmix', grid: 8, top1: 99 }), // not the paper's default N: not a Table 1 cell
  ];
  const table = table1(runs);
  const md = toMarkdown(table);
  const row = md.split('\n').find((l) => l.startsWith('| cifar100 / vgg19_bn'))!;
  assert.equal(row, '| cifar100 / vgg19_bn [R] | 73.95 / not run | 75.37 / 75.50 (+0.13) | 74.20 / not run | 76.05 / not run | 77.09 / 77.00 ± 1.00 (n=3) (-0.09) |');
  const csv = toCsv(table);
  assert.match(csv, /table1,cifar100 \/ vgg19_bn \[R\],GridMix w\. Eq\.\(4\),77\.09,77\.00,1\.00,3,-0\.09/);
  assert.match(csv, /table1,cifar100 \/ vgg19_bn \[R\],Baseline,73\.95,not run,,0,/);
});

test('runs of one pair with different recipes are separate rows, never pooled', () => {
  const other = { ...run({ seed: 9, top1: 50 }), recipe: 'S' };
  const table = table1([run({ top1: 76 }), other]);
  const labels = table.rows.map((r) => r.label).filter((l) => l.startsWith('cifar100 / vgg19_bn'));
  assert.deepEqual(labels, ['cifar100 / vgg19_bn [R]', 'cifar100 / vgg19_bn [S]']);
  assert.deepEqual(table.rows[0].cells[4].ours, [76]);
  assert.deepEqual(table.rows[1].cells[4].ours, [50]);
  assert.equal(table.rows.find((r) => r.label.startsWith('cifar100 / resnet101'))!.cells[0].ours.length, 0);
});

test('Table 4 reads ablation cells only; Table 3 projects 391 x 200 iterations', () => {
  const cell = (over: Partial<Summary>) => run({ ablation_cell: 'c', ...over });
  const t4 = table4([cell({ grid: 2, top1: 75 }), cell({ grid: 16, top1: 72 }), cell({ p: 0.5, top1: 71 }), run({ grid: 2, top1: 1 })]);
  const md = toMarkdown(t4);
  assert.match(md, /\| cifar100 \/ vgg19_bn \[R\] \| 75\.82 \/ 75\.00 \(-0\.82\) \| 76\.05 \/ not run \| 75\.82 \/ not run \| 71\.96 \/ 72\.00 \(\+0\.04\) \|/);
  assert.match(md, /73\.95 \/ not run \| 71\.81 \/ 71\.00 \(-0\.81\)/);

  const t3 = table3([run({ method: 'mixup', grid: null, p: null, gamma: null, images_per_second: 1280 })]);
  const mixup = t3.rows[0].cells[0];
  assert.equal(mixup.paper, 9.5);
  assert.deepEqual(mixup.ours, [10]);
  const projected = t3.rows.find((r) => r.label.startsWith('cifar100 / vgg19_bn [R]: projected'))!.cells[0];
  assert.equal(projected.paper, 8232);
  assert.deepEqual(projected.ours, [7820]);
});
