// --resume and ablate measure a run folder against the config planned now: a run trained under
// another config is refused with the keys that changed (old -> new), never continued or counted as
// finished as if it were clean; a grown training.epochs trains a run further.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';
import { gridmix, tempDir, writeConfig } from '../helpers/cli';

const TINY = `
name: tiny
seed: 2
backend: wasm
dataset: { name: fashion-mnist-mini, trainLimit: 40, testLimit: 20 }
backbone: { name: vgg_small }
method: { name: gridmix, grid: 4, p: 0.8 }
training: { epochs: 1, batchSize: 20, optimizer: { lr: 0.05 } }
`;

const summaryOf = (run: string) => JSON.parse(fs.readFileSync(path.join(run, 'summary.json'), 'utf8'));

test('--resume refuses a changed config (unfinished or finished run), naming each key old -> new; a grown epochs trains on', () => {
  const dir = tempDir('resume-config');
  const config = writeConfig(dir, 'tiny.yaml', TINY);
  const out = path.join(dir, 'run');
  const run = path.join(out, 'seed-2');
  assert.equal(gridmix(['train', '--config', config, '--out', out]).code, 0);
  const saved = fs.readFileSync(path.join(run, 'config.yaml'), 'utf8');

  // A finished run resumed with another backbone and another p: refused, not "already finished".
  const other = writeConfig(dir, 'other.yaml', TINY.replace('vgg_small', 'resnet20').replace('p: 0.8', 'p: 0.5'));
  const finished = gridmix(['train', '--config', other, '--out', out, '--resume']);
  assert.equal(finished.code, 1, finished.stdout);
  assert.match(finished.stderr, /--resume: .*seed-2 was trained with another config: backbone\.name: "vgg_small" -> "resnet20", method\.p: 0\.8 -> 0\.5; a resume may only grow training\.epochs/);
  assert.equal(finished.stderr.trim().split('\n').length, 1);

  // An unfinished run resumed with another trainLimit or batch size: refused; nothing is rewritten.
  const summary = summaryOf(run);
  fs.writeFileSync(path.join(run, 'summary.json'), JSON.stringify({ ...summary, finished: false }));
  const limit = writeConfig(dir, 'limit.yaml', TINY.replace('trainLimit: 40', 'trainLimit: 60').replace('batchSize: 20', 'batchSize: 10'));
  const unfinished = gridmix(['train', '--config', limit, '--out', out, '--resume']);
  assert.equal(unfinished.code, 1);
  assert.match(unfinished.stderr, /dataset\.trainLimit: 40 -> 60, training\.batchSize: 20 -> 10/);
  assert.equal(fs.readFileSync(path.join(run, 'config.yaml'), 'utf8'), saved, 'the saved config is untouched');
  fs.writeFileSync(path.join(run, 'summary.json'), JSON.stringify(summary));

  // The same config: already finished.
  const same = gridmix(['train', '--config', config, '--out', out, '--resume']);
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stdout, /already finished/);

  // A grown epochs trains the finished run further from its checkpoint.
  const grown = gridmix(['train', '--config', config, '--out', out, '--resume', '--epochs', '2']);
  assert.equal(grown.code, 0, grown.stderr);
  assert.match(grown.stdout, /resuming .* at epoch 2/);
  assert.equal(summaryOf(run).epochs, 2);
  assert.equal(summaryOf(run).finished, true);
  assert.equal(fs.readFileSync(path.join(run, 'metrics.csv'), 'utf8').trim().split('\n').length, 3);
  assert.equal(YAML.parse(fs.readFileSync(path.join(run, 'config.yaml'), 'utf8')).training.epochs, 2);
});

test('ablate: a cell whose saved config differs from the planned one is reported, not skipped; --force starts it over', () => {
  const dir = tempDir('ablate-config');
  const config = writeConfig(dir, 'abl.yaml', `${TINY}sweep: { p: [0.5] }\n`);
  const out = path.join(dir, 'abl');
  const first = gridmix(['ablate', '--config', config, '--out', out]);
  assert.equal(first.code, 0, first.stderr);
  const cells = ['grid4-p0.8-gamma0.15-seed2', 'grid4-p0.5-gamma0.15-seed2', 'baseline-seed2'];
  for (const cell of cells) assert.equal(summaryOf(path.join(out, cell)).finished, true, cell);

  const changed = writeConfig(dir, 'abl.yaml', `${TINY.replace('lr: 0.05', 'lr: 0.1')}sweep: { p: [0.5] }\n`);
  const refused = gridmix(['ablate', '--config', changed, '--out', out]);
  assert.equal(refused.code, 1, refused.stdout);
  assert.doesNotMatch(refused.stdout, /finished, skipped/);
  assert.match(refused.stderr, /ablate: 3 of 3 cell runs were trained with another config than planned now \(grid4-p0\.8-gamma0\.15-seed2: training\.optimizer\.lr: 0\.05 -> 0\.1; also grid4-p0\.5-gamma0\.15-seed2, baseline-seed2\); --force starts those over/);

  const forced = gridmix(['ablate', '--config', changed, '--out', out, '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal((forced.stdout.match(/starting over \(training\.optimizer\.lr: 0\.05 -> 0\.1\)/g) ?? []).length, 3);
  for (const cell of cells) assert.equal(YAML.parse(fs.readFileSync(path.join(out, cell, 'config.yaml'), 'utf8')).training.optimizer.lr, 0.1);

  const again = gridmix(['ablate', '--config', changed, '--out', out]);
  assert.equal(again.code, 0);
  assert.equal((again.stdout.match(/finished, skipped/g) ?? []).length, 3);
});
