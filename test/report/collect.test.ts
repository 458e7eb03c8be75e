// The report reads every summary.json it finds: one it cannot use is named with the reason, never
// quietly dropped, and never counted as a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { reportCommand } from '../../src/cli/report';
import { scanResults } from '../../src/report/collect';
import { tempFolder } from '../data/fixtures';

const GOOD = {
  experiment: 'x', ablation_cell: null, dataset: 'fashion-mnist-mini', backbone: 'vgg_small', method: 'gridmix', grid: 4, p: 0.8, gamma: 0.15,
  epochs: 1, seed: 0, backend: 'wasm', native_kernels: [], top1: 50, top5: 90, best_top1: 50, last_top1: 50, median_last10_top1: 50,
  train_acc_measure: 'dominant label of the mixed sample', train_seconds: 1, images_per_second: 100, parameters: 1, git_commit: null, finished: true,
};

function results(): string {
  const root = tempFolder('collect');
  const write = (run: string, file: string, text: string) => {
    fs.mkdirSync(path.join(root, 'x', run), { recursive: true });
    fs.writeFileSync(path.join(root, 'x', run, file), text);
  };
  write('seed-0', 'summary.json', JSON.stringify(GOOD));
  write('seed-1', 'summary.json', '{"experiment": "x", "finis'); // cut short
  write('seed-2', 'summary.json', JSON.stringify({ ...GOOD, seed: 2, finished: 'yes' })); // wrong type
  write('seed-3', 'summary.json', JSON.stringify([1, 2]));
  write('seed-0', 'eval-test.json', 'not json');
  return root;
}

test('every summary.json and eval file that cannot be used is named with why; only the good run counts', () => {
  const root = results();
  const { runs, skipped } = scanResults(root);
  assert.deepEqual(runs.map((r) => path.basename(r.dir)), ['seed-0']);
  assert.deepEqual(runs[0].evals, {});
  assert.deepEqual(
    skipped.map((s) => [path.relative(root, s.file), s.why]),
    [
      ['x/seed-0/eval-test.json', 'not valid JSON (damaged or cut short)'],
      ['x/seed-1/summary.json', 'not valid JSON (damaged or cut short)'],
      ['x/seed-2/summary.json', 'finished is "yes", expected true or false'],
      ['x/seed-3/summary.json', 'not a JSON object'],
    ],
  );
});

test('gridmix report names the skipped files and counts only the usable runs', async () => {
  const root = results();
  const lines: string[] = [];
  await reportCommand({ results: root, log: (l) => lines.push(l) });
  assert.ok(lines.includes(`skipped ${path.join(root, 'x', 'seed-2', 'summary.json')}: finished is "yes", expected true or false`), lines.join('\n'));
  assert.match(lines.find((l) => l.includes(' found under ')) ?? lines.join('\n'), /^1 run found under .* \(1 finished; 4 files skipped, named above\)/);
});
