// Faults a long run meets: Ctrl-C, a diverging loss, a second process on the same run, an ablation
// cut short. Each must end with a clear message, a non-zero code, and nothing lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { readCheckpoint } from '../../src/train/checkpoint';
import type { CheckpointMeta } from '../../src/train/run';
import { exitOf, gridmix, gridmixAsync, metricsWithoutTime, tempDir, waitFor, writeConfig } from '../helpers/cli';

const TINY = `
name: tiny
seed: 5
backend: wasm
dataset: { name: fashion-mnist-mini, trainLimit: 100, testLimit: 50 }
backbone: { name: resnet20 }
method: { name: gridmix, grid: 4, p: 0.8, gamma: 0.15 }
training: { epochs: 2, batchSize: 20, optimizer: { lr: 0.05 } }
`;

test('Ctrl-C writes a checkpoint, exits 130 with a message, and --resume finishes the run as if uninterrupted', async () => {
  const dir = tempDir('sigint');
  const config = writeConfig(dir, 'tiny.yaml', TINY);
  const reference = path.join(dir, 'ref');
  assert.equal(gridmix(['train', '--config', config, '--out', reference]).code, 0);

  const out = path.join(dir, 'run');
  const child = gridmixAsync(['train', '--config', config, '--out', out]);
  const exited = exitOf(child);
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  await waitFor(() => / epochs? -> /.test(stdout), child); // the line printed as the first step starts
  await new Promise((r) => setTimeout(r, 300)); // some steps into epoch 1
  child.kill('SIGINT');
  const { code, stderr } = await exited;
  assert.equal(code, 130, stderr);
  assert.match(stderr, /interrupted at epoch \d+, step \d+; checkpoint written to .*last\.ckpt; continue with --resume/);
  const checkpoint = readCheckpoint<CheckpointMeta>(path.join(out, 'seed-5', 'checkpoint', 'last.ckpt'));
  assert.ok(checkpoint.meta.mixRng && checkpoint.meta.dropoutRng, 'the mixing and dropout streams are checkpointed');

  const resumed = gridmix(['train', '--config', config, '--out', out, '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /resuming .* at epoch \d+, image \d+ of the epoch/);
  assert.deepEqual(metricsWithoutTime(path.join(out, 'seed-5', 'metrics.csv')), metricsWithoutTime(path.join(reference, 'seed-5', 'metrics.csv')));
});

test('a diverging loss stops with the epoch and step, says whether a checkpoint is kept, exits non-zero', () => {
  const dir = tempDir('nan');
  const config = writeConfig(dir, 'nan.yaml', TINY.replace('lr: 0.05', 'lr: 1.0e+6').replace('epochs: 2', 'epochs: 3'));
  const r = gridmix(['train', '--config', config, '--out', path.join(dir, 'run')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /loss became (NaN|Infinity|-Infinity) at epoch \d+, step \d+/);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
  const summary = path.join(dir, 'run', 'seed-5', 'summary.json');
  if (fs.existsSync(summary)) assert.equal(JSON.parse(fs.readFileSync(summary, 'utf8')).finished, false);
  // Past the first epoch there is a checkpoint to keep, and the message says where.
  assert.ok(fs.existsSync(path.join(dir, 'run', 'seed-5', 'checkpoint', 'last.ckpt')) === /checkpoint is kept in /.test(r.stderr), r.stderr);

  // lr 1e30 diverges within the first epoch, before any checkpoint: the message must not promise one.
  const early = writeConfig(dir, 'early.yaml', TINY.replace('lr: 0.05', 'lr: 1.0e+30').replace('batchSize: 20', 'batchSize: 10'));
  const e = gridmix(['train', '--config', early, '--out', path.join(dir, 'early')]);
  assert.equal(e.code, 1);
  assert.match(e.stderr, /loss became .* at epoch 1, .*; no checkpoint had been written yet; lower training\.optimizer\.lr/);
  assert.doesNotMatch(e.stderr, /checkpoint is kept/);
  assert.ok(!fs.existsSync(path.join(dir, 'early', 'seed-5', 'checkpoint', 'last.ckpt')));
});

test('two processes on one run folder: the second is refused while the first holds it', async () => {
  const dir = tempDir('lock');
  const config = writeConfig(dir, 'tiny.yaml', TINY);
  const out = path.join(dir, 'run');
  const first = gridmixAsync(['train', '--config', config, '--out', out]);
  const firstDone = exitOf(first);
  await waitFor(() => fs.existsSync(path.join(out, 'seed-5', '.lock')), first);
  const second = gridmix(['train', '--config', config, '--out', out, '--force']);
  assert.equal(second.code, 1);
  assert.match(second.stderr, /is in use by another gridmix process \(pid \d+/);
  assert.equal((await firstDone).code, 0);
});

test('ablate: finished cells are skipped on a re-run, a cell killed mid-way is resumed, Table 4 is written', async () => {
  const dir = tempDir('ablate');
  // checkpointMinutes ~ 0: a checkpoint after every step, so a killed cell has one to resume from.
  const yaml = TINY.replace('epochs: 2', 'epochs: 1, checkpointMinutes: 1.0e-6');
  const config = writeConfig(dir, 'ablate.yaml', `${yaml}sweep: { grid: [2, 7], p: [0.5] }\n`);
  const out = path.join(dir, 'abl');
  const child = gridmixAsync(['ablate', '--config', config, '--out', out]);
  const exited = exitOf(child);
  // Kill it once the first cell has finished and the second has started.
  const second = path.join(out, 'grid2-p0.8-gamma0.15-seed5', 'checkpoint', 'last.ckpt');
  await waitFor(() => fs.existsSync(second), child);
  child.kill('SIGKILL');
  await exited;
  const r = gridmix(['ablate', '--config', config, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /: 5 runs, 1 finished, 4 to do \(3 new, 1 to resume\)/, 'the plan first');
  assert.match(r.stdout, /grid4-p0\.8-gamma0\.15 seed 5: finished, skipped/);
  assert.match(r.stdout, /grid2-p0\.8-gamma0\.15 seed 5: resuming/);
  assert.match(r.stdout, /resuming .*grid2-p0\.8-gamma0\.15-seed5 at epoch 1, image [1-9]\d* of the epoch/);
  const cells = ['grid4-p0.8-gamma0.15', 'grid2-p0.8-gamma0.15', 'grid7-p0.8-gamma0.15', 'grid4-p0.5-gamma0.15', 'baseline'];
  for (const cell of cells) {
    const summary = JSON.parse(fs.readFileSync(path.join(out, `${cell}-seed5`, 'summary.json'), 'utf8'));
    assert.equal(summary.finished, true, cell);
  }
  const table = fs.readFileSync(path.join(out, 'table4.md'), 'utf8');
  assert.match(table, /\| 2x2 \| 4x4 \| 7x7 \| 8x8 \| 16x16 \| Random \| Baseline \| p=0\.5 \|/);
  const row = table.split('\n').find((l) => l.startsWith('| fashion-mnist-mini / resnet20'));
  assert.ok(row, 'our row');
  const cellsOfRow = row.split('|').slice(2, -1).map((c) => c.trim());
  const filled = cellsOfRow.map((c) => !c.endsWith('not run'));
  // 2x2 4x4 7x7 8x8 16x16 Random Baseline p=0.5 0.6 0.7 0.8 0.9
  assert.deepEqual(filled, [true, true, true, false, false, false, true, true, false, false, true, false], row);
  const again = gridmix(['ablate', '--config', config, '--out', out]);
  assert.equal(again.code, 0);
  assert.equal((again.stdout.match(/finished, skipped/g) ?? []).length, cells.length);
});

test('kill -9 at many moments: what is on disk always reads back whole, and --resume finishes', async () => {
  const dir = tempDir('kill');
  // A checkpoint after every step, so kills land during checkpoint writes too.
  const config = writeConfig(dir, 'tiny.yaml', TINY.replace('epochs: 2', 'epochs: 2, checkpointMinutes: 1.0e-6'));
  const out = path.join(dir, 'run');
  const run = path.join(out, 'seed-5');
  const delays = [150, 400, 700, 1000, 1300];
  for (const [i, delay] of delays.entries()) {
    const child = gridmixAsync(['train', '--config', config, '--out', out, ...(i > 0 && fs.existsSync(path.join(run, 'checkpoint', 'last.ckpt')) ? ['--resume'] : ['--force'])]);
    const exited = exitOf(child);
    await waitFor(() => fs.existsSync(path.join(run, 'config.yaml')), child).catch(() => undefined);
    await new Promise((r) => setTimeout(r, delay));
    child.kill('SIGKILL');
    await exited;
    const ckpt = path.join(run, 'checkpoint', 'last.ckpt');
    if (fs.existsSync(ckpt)) assert.doesNotThrow(() => readCheckpoint(ckpt), `checkpoint readable after kill ${i}`);
    for (const f of ['summary.json']) {
      const file = path.join(run, f);
      if (fs.existsSync(file)) assert.doesNotThrow(() => JSON.parse(fs.readFileSync(file, 'utf8')), `${f} whole after kill ${i}`);
    }
  }
  const args = ['train', '--config', config, '--out', out];
  const last = gridmix(fs.existsSync(path.join(run, 'checkpoint', 'last.ckpt')) ? [...args, '--resume'] : [...args, '--force']);
  assert.equal(last.code, 0, last.stderr);
  assert.equal(JSON.parse(fs.readFileSync(path.join(run, 'summary.json'), 'utf8')).finished, true);
  assert.equal(fs.readFileSync(path.join(run, 'metrics.csv'), 'utf8').trim().split('\n').length, 3);
});

test('--resume with a config of another backbone refuses the checkpoint', () => {
  const dir = tempDir('other');
  const config = writeConfig(dir, 'tiny.yaml', TINY.replace('epochs: 2', 'epochs: 1'));
  const out = path.join(dir, 'run');
  assert.equal(gridmix(['train', '--config', config, '--out', out]).code, 0);
  fs.writeFileSync(path.join(out, 'seed-5', 'summary.json'), JSON.stringify({ finished: false }));
  const other = writeConfig(dir, 'other.yaml', TINY.replace('resnet20', 'vgg_small'));
  const r = gridmix(['train', '--config', other, '--out', out, '--resume']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /was trained with another config: backbone\.name: "resnet20" -> "vgg_small"/);
});
