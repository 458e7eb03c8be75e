// --executor local through the real command line: --jobs 2 trains each run to the numbers of a
// run on its own; a re-run skips the finished and reports the changed; Ctrl-C stops every child
// with its checkpoint and the same command resumes them; a failing run is named with its log line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { exitOf, gridmix, gridmixAsync, metricsWithoutTime, summaryNumbers, tempDir, waitFor, writeConfig } from '../helpers/cli';

/** 12 steps with a checkpoint after each: long enough to be stopped part-way. */
const TINY = `
name: NAME
seed: 1
backend: wasm
dataset: { name: fashion-mnist-mini, trainLimit: 80, testLimit: 40 }
backbone: { name: vgg_small }
method: { name: METHOD }
training: { epochs: 3, batchSize: 20, checkpointMinutes: 1.0e-6, optimizer: { lr: 0.05 } }
`;

function twoConfigs(dir: string): string[] {
  return [
    writeConfig(dir, 'a.yaml', TINY.replace('NAME', 'local-a').replace('METHOD', 'gridmix')),
    writeConfig(dir, 'b.yaml', TINY.replace('NAME', 'local-b').replace('METHOD', 'cutmix')),
  ];
}

const RUNS = ['local-a/seed-1', 'local-b/seed-1'];

/** Each config trained on its own, in-process (the reference numbers). */
let referenceDir: string | undefined;
function reference(): string {
  if (referenceDir) return referenceDir;
  const dir = tempDir('local-ref');
  for (const [i, config] of twoConfigs(dir).entries()) {
    const r = gridmix(['train', '--config', config, '--out', path.join(dir, 'results', ['local-a', 'local-b'][i])]);
    assert.equal(r.code, 0, r.stderr);
  }
  referenceDir = path.join(dir, 'results');
  return referenceDir;
}

function assertSameNumbers(results: string): void {
  for (const run of RUNS) {
    assert.deepEqual(metricsWithoutTime(path.join(results, run, 'metrics.csv')), metricsWithoutTime(path.join(reference(), run, 'metrics.csv')), run);
    assert.deepEqual(summaryNumbers(path.join(results, run, 'summary.json')), summaryNumbers(path.join(reference(), run, 'summary.json')), run);
  }
}

test('--jobs 2: two child processes, each run with its log in its folder and the numbers of a run on its own; a re-run skips them; a changed config stops the plan before anything starts', () => {
  const dir = tempDir('local-jobs');
  const configs = twoConfigs(dir);
  const results = path.join(dir, 'results');
  const r = gridmix(['train', '--config', ...configs, '--jobs', '2', '--results', results]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^2 configs x 1 seed: 2 runs, 0 finished, 2 to do \(2 new, 0 to resume\)$/m);
  assert.match(r.stdout, /local: 2 run\(s\), 2 at a time/);
  assert.match(r.stdout, /\[0\/2 done, 2 running, 0 failed\] started .*local-b\/seed-1/);
  assert.match(r.stdout, /\[2\/2 done, 0 running, 0 failed, ETA 0s\] finished .*seed-1 top-1 \d+\.\d\d/);
  for (const run of RUNS) {
    const log = fs.readFileSync(path.join(results, run, 'train.log'), 'utf8');
    assert.match(log, /^== .* local job on .*: gridmix train --config .*run-\d\.yaml --run-dir /m);
    assert.match(log, /done: test top-1/);
    assert.equal(JSON.parse(fs.readFileSync(path.join(results, run, 'last-exit.json'), 'utf8')).exit_code, 0);
  }
  assertSameNumbers(results);

  const changed = writeConfig(dir, 'b-changed.yaml', TINY.replace('NAME', 'local-b').replace('METHOD', 'cutmix').replace('lr: 0.05', 'lr: 0.02'));
  const again = gridmix(['train', '--config', configs[0], configs[1], '--jobs', '2', '--results', results]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /2 runs, 2 finished, 0 to do/);
  assert.match(again.stdout, /local-a\/seed-1: finished \(top-1 \d+\.\d\d\), skipped/);
  assert.match(again.stdout, /nothing to train/);
  const refused = gridmix(['train', '--config', configs[0], changed, '--jobs', '2', '--results', results]);
  assert.equal(refused.code, 1, refused.stdout);
  assert.match(refused.stdout, /2 runs, 1 finished, 0 to do \(0 new, 0 to resume\), 1 trained with another config/);
  assert.match(refused.stdout, /local-b\/seed-1: trained with another config than planned now \(training\.optimizer\.lr: 0\.05 -> 0\.02\)/);
  assert.match(refused.stderr, /^gridmix: train: 1 of 2 runs were trained with another config than planned now \(.*local-b\/seed-1: training\.optimizer\.lr: 0\.05 -> 0\.02\); --force starts those over, --results puts them elsewhere$/m);
  assert.doesNotMatch(refused.stdout, /started/, 'nothing started');
  const forced = gridmix(['train', '--config', configs[0], changed, '--jobs', '2', '--results', results, '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /started .*local-b\/seed-1 \(starting over\)/);
  assert.doesNotMatch(forced.stdout, /started .*local-a/, 'the finished run is still skipped');
  assert.match(fs.readFileSync(path.join(results, 'local-b', 'seed-1', 'config.yaml'), 'utf8'), /lr: 0\.02/);
});

test('Ctrl-C stops every child with its checkpoint (exit 130); the same command resumes both to the numbers of uninterrupted runs', async () => {
  const dir = tempDir('local-sigint');
  const configs = twoConfigs(dir);
  const results = path.join(dir, 'results');
  const command = ['train', '--config', ...configs, '--jobs', '2', '--results', results];
  const parent = gridmixAsync(command);
  const exited = exitOf(parent);
  let stdout = '';
  parent.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  await waitFor(() => RUNS.every((run) => fs.existsSync(path.join(results, run, 'checkpoint', 'last.ckpt'))), parent);
  parent.kill('SIGINT'); // the parent alone: it passes the stop on to its children
  const { code, stderr } = await exited;
  assert.equal(code, 130, stderr);
  assert.match(stdout, /stopping: 2 running run\(s\) write their checkpoints; nothing new starts/);
  assert.match(stderr, /interrupted: 2 run\(s\) stopped with their checkpoints, 0 finished, 0 not started; the same command continues/);
  for (const run of RUNS) {
    assert.match(fs.readFileSync(path.join(results, run, 'train.log'), 'utf8'), /interrupted at epoch \d+, step \d+; checkpoint written/);
    assert.equal(JSON.parse(fs.readFileSync(path.join(results, run, 'last-exit.json'), 'utf8')).exit_code, 130);
  }
  const status = gridmix(['status', results]);
  assert.match(status.stdout, /2 run\(s\) under .*: 2 unfinished/);

  const resumed = gridmix(command);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /2 runs, 0 finished, 2 to do \(0 new, 2 to resume\)/);
  assert.match(resumed.stdout, /started .*local-a\/seed-1 \(resuming\)/);
  assertSameNumbers(results);
});

test('a failing run: the others go on, the command exits 1 naming it, gridmix status shows its log line', () => {
  const dir = tempDir('local-fail');
  const good = writeConfig(dir, 'good.yaml', TINY.replace('NAME', 'good').replace('METHOD', 'baseline').replace('epochs: 3', 'epochs: 1'));
  const bad = writeConfig(dir, 'bad.yaml', TINY.replace('NAME', 'bad').replace('METHOD', 'baseline').replace('name: fashion-mnist-mini,', `name: cifar10, root: ${path.join(dir, 'nowhere')},`));
  const results = path.join(dir, 'results');
  const r = gridmix(['train', '--config', bad, good, '--results', results, '--executor', 'local']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /FAILED .*bad\/seed-1: gridmix: dataset "cifar10" not found; looked in: .*nowhere/);
  assert.match(r.stdout, /finished .*good\/seed-1 top-1/);
  assert.match(r.stderr, /^gridmix: 1 run\(s\) failed \(first: .*bad\/seed-1: gridmix: dataset "cifar10" not found.*\); gridmix status .* lists them$/m);
  const status = gridmix(['status', results]);
  assert.match(status.stdout, /2 run\(s\) under .*: 1 finished, 1 failed/);
  assert.match(status.stdout, /^failed +\S*bad\/seed-1 +gridmix: dataset "cifar10" not found/m);
});
