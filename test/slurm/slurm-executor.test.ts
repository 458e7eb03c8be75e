// --executor slurm against a real Slurm (CI starts a single-node one with .ci/setup-slurm.sh): an
// ablation as one job array ends with every cell and the Table 4 layout; a cancelled task resumes,
// on the same submit command, to the numbers of an uninterrupted run; a task near its time limit
// checkpoints and requeues itself; a failing task is reported failed with its log line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { gridmix, metricsWithoutTime, summaryNumbers, tempDir, writeConfig } from '../helpers/cli';
import { liveLockOwner } from '../../src/io/run-lock';
import { slurm, slurmMissing, slurmState, until } from '../helpers/slurm';

const missing = slurmMissing();

const TINY = `
name: NAME
seed: 2
backend: wasm
dataset: { name: fashion-mnist-mini, trainLimit: 60, testLimit: 40 }
backbone: { name: vgg_small }
method: { name: gridmix, grid: 4, p: 0.8, gamma: 0.15 }
training: { epochs: 2, batchSize: 30, optimizer: { lr: 0.05 } }
`;

/** Long enough to be stopped part-way: 12 steps, a checkpoint after every one. */
const STOPPABLE = TINY.replace('trainLimit: 60', 'trainLimit: 80').replace('epochs: 2, batchSize: 30', 'epochs: 3, batchSize: 20, checkpointMinutes: 1.0e-6');
const STOPPABLE_ABLATION = `${STOPPABLE.replace('NAME', 'slurm-stop')}sweep: { method: [baseline] }\n`;
const GRIDMIX_CELL = 'grid4-p0.8-gamma0.15-seed2';

/** STOPPABLE_ABLATION trained uninterrupted, in this process's way (no executor), once for the tests that compare against it. */
let referenceDir: string | undefined;
function reference(): string {
  if (referenceDir) return referenceDir;
  const dir = tempDir('slurm-reference');
  const r = gridmix(['ablate', '--config', writeConfig(dir, 'abl.yaml', STOPPABLE_ABLATION), '--out', path.join(dir, 'abl')]);
  assert.equal(r.code, 0, r.stderr);
  referenceDir = path.join(dir, 'abl');
  return referenceDir;
}

function jobIdOf(stdout: string): string {
  const m = /submitted Slurm job (\d+): /.exec(stdout);
  assert.ok(m, stdout);
  return m[1];
}

interface StatusJson {
  runs: { label: string; runDir: string; state: string; detail: string; slurm?: { id: string; state?: string } }[];
}

function status(dir: string): StatusJson {
  const r = gridmix(['status', dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as StatusJson;
}

const finished = (runDir: string) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')).finished === true;
  } catch {
    return false;
  }
};

test('an ablation as one job array: every cell trains, a dependent job writes Table 4, status lists the tasks, a re-run submits nothing', { skip: missing }, async () => {
  const dir = tempDir('slurm-array');
  const config = writeConfig(dir, 'abl.yaml', `${TINY.replace('NAME', 'slurm-abl')}sweep: { grid: [2], p: [0.5] }\n`);
  const out = path.join(dir, 'abl');
  const submit = ['ablate', '--config', config, '--out', out, '--executor', 'slurm', '--time', '20'];
  const r = gridmix(submit);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /4 runs, 0 finished, 4 to do \(4 new, 0 to resume\)/);
  const job = jobIdOf(r.stdout);
  assert.match(r.stdout, new RegExp(`submitted Slurm job ${job}: 4 task\\(s\\)`));
  assert.match(r.stdout, /Slurm job \d+ writes the Table 4 layout once job \d+ has ended/);
  const record = fs.readdirSync(path.join(out, 'submissions')).filter((f) => f.endsWith('-slurm'));
  assert.equal(record.length, 1);
  const submission = JSON.parse(fs.readFileSync(path.join(out, 'submissions', record[0], 'submission.json'), 'utf8'));
  assert.equal(submission.job_id, job, 'the job id is recorded in the experiment folder');
  assert.match(fs.readFileSync(submission.script, 'utf8'), /^#SBATCH --array=0-3$/m);

  await until('Table 4 from the dependent job', () => fs.existsSync(path.join(out, 'table4.md')));
  const cells = ['grid4-p0.8-gamma0.15', 'grid2-p0.8-gamma0.15', 'grid4-p0.5-gamma0.15', 'baseline'];
  for (const cell of cells) {
    const summary = JSON.parse(fs.readFileSync(path.join(out, `${cell}-seed2`, 'summary.json'), 'utf8'));
    assert.equal(summary.finished, true, cell);
    assert.equal(summary.ablation_cell, cell);
    assert.match(fs.readFileSync(path.join(out, `${cell}-seed2`, 'train.log'), 'utf8'), new RegExp(`Slurm task ${job}_\\d on `), 'the task\'s output is in its run folder');
  }
  const [header, , ...rows] = fs.readFileSync(path.join(out, 'table4.md'), 'utf8').split('\n').filter((l) => l.startsWith('|'));
  const columns = header.split('|').slice(1, -1).map((c) => c.trim());
  const row = rows.find((l) => l.startsWith('| fashion-mnist-mini / vgg_small'));
  assert.ok(row, 'our row in Table 4');
  const values = row.split('|').slice(1, -1).map((c) => c.trim());
  const filled = columns.filter((_, i) => i > 0 && !values[i].endsWith('not run'));
  assert.deepEqual(filled.sort(), ['2x2', '4x4', 'Baseline', 'p=0.5', 'p=0.8'].sort(), row);

  const report = status(out);
  assert.equal(report.runs.length, 4);
  for (const run of report.runs) {
    assert.equal(run.state, 'finished', JSON.stringify(run));
    assert.match(run.detail, /^top-1 \d+\.\d\d$/);
    assert.match(run.slurm!.id, new RegExp(`^${job}_[0-3]$`));
    assert.equal(run.slurm!.state, 'COMPLETED');
  }
  const again = gridmix(submit);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /4 runs, 4 finished, 0 to do/);
  assert.match(again.stdout, /nothing to train/);
  assert.equal(fs.readdirSync(path.join(out, 'submissions')).filter((f) => f.endsWith('-slurm')).length, 1, 'nothing resubmitted');
});

test('scancel of a running task, then the same submit command: the cell resumes to the numbers of an uninterrupted run', { skip: missing }, async () => {
  const dir = tempDir('slurm-cancel');
  const config = writeConfig(dir, 'abl.yaml', STOPPABLE_ABLATION);

  const out = path.join(dir, 'abl');
  const submit = ['ablate', '--config', config, '--out', out, '--executor', 'slurm', '--time', '20'];
  const first = gridmix(submit);
  assert.equal(first.code, 0, first.stderr);
  const job = jobIdOf(first.stdout);
  const cell = path.join(out, GRIDMIX_CELL);
  await until('the first checkpoint of task 0', () => fs.existsSync(path.join(cell, 'checkpoint', 'last.ckpt')));
  slurm('scancel', [`${job}_0`]);
  // Files and squeue only while waiting: a gridmix per poll would compete with the task for the CPU.
  await until('task 0 cancelled and its run folder released', () => slurmState(`${job}_0`) === 'CANCELLED' && liveLockOwner(path.join(cell, '.lock')) === undefined);
  assert.equal(finished(cell), false, 'cancelled part-way (a checkpoint, no finished summary)');
  const unfinished = status(out).runs.find((r) => r.runDir === cell)!;
  assert.equal(unfinished.state, 'unfinished');
  assert.match(unfinished.detail, /cancelled; the same command resumes it/);

  const second = gridmix(submit);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /1 to resume/);
  const resubmitted = jobIdOf(second.stdout);
  assert.notEqual(resubmitted, job);
  reference(); // while the resubmitted task trains
  await until('both cells finished', () => finished(cell) && finished(path.join(out, 'baseline-seed2')));
  const log = fs.readFileSync(path.join(cell, 'train.log'), 'utf8');
  assert.match(log, /resuming .* at epoch \d+, image \d+ of the epoch/);
  assert.match(log, new RegExp(`Slurm task ${resubmitted}_0 on .*--resume`));
  for (const name of [GRIDMIX_CELL, 'baseline-seed2']) {
    assert.deepEqual(metricsWithoutTime(path.join(out, name, 'metrics.csv')), metricsWithoutTime(path.join(reference(), name, 'metrics.csv')), name);
    assert.deepEqual(summaryNumbers(path.join(out, name, 'summary.json')), summaryNumbers(path.join(reference(), name, 'summary.json')), name);
  }
});

test('near the time limit (USR1) a task checkpoints, requeues itself and resumes to the uninterrupted numbers', { skip: missing }, async () => {
  const dir = tempDir('slurm-requeue');
  // The ablation's base cell alone: the same config as the reference's gridmix cell.
  const config = writeConfig(dir, 'run.yaml', STOPPABLE.replace('NAME', 'slurm-stop'));

  const out = path.join(dir, 'run');
  const r = gridmix(['train', '--config', config, '--out', out, '--executor', 'slurm', '--time', '20']);
  assert.equal(r.code, 0, r.stderr);
  const job = jobIdOf(r.stdout);
  const run = path.join(out, 'seed-2');
  await until('the first checkpoint', () => fs.existsSync(path.join(run, 'checkpoint', 'last.ckpt')));
  // What Slurm does signalSeconds before --time ends (#SBATCH --signal=B:USR1@300).
  slurm('scancel', ['--signal=USR1', '--batch', `${job}_0`]);
  const exitFile = path.join(run, 'last-exit.json');
  await until('the task requeued', () => fs.existsSync(exitFile) && JSON.parse(fs.readFileSync(exitFile, 'utf8')).requeued === true && slurmState(`${job}_0`) === 'PENDING');
  assert.equal(JSON.parse(fs.readFileSync(exitFile, 'utf8')).exit_code, 130, 'gridmix stopped with its checkpoint');
  assert.equal(finished(run), false);
  // Slurm holds a requeued job back for about two minutes; start it now.
  slurm('scontrol', ['update', `JobId=${job}_0`, 'StartTime=now']);
  await until('the requeued task finished', () => finished(run));
  const log = fs.readFileSync(path.join(run, 'train.log'), 'utf8');
  assert.match(log, /the time limit is near: writing a checkpoint, then requeueing/);
  assert.match(log, /\(attempt 2\): gridmix train .*--resume/);
  assert.deepEqual(metricsWithoutTime(path.join(run, 'metrics.csv')), metricsWithoutTime(path.join(reference(), GRIDMIX_CELL, 'metrics.csv')));
  const numbers = summaryNumbers(path.join(run, 'summary.json'));
  assert.equal(numbers.ablation_cell, null);
  assert.deepEqual({ ...numbers, ablation_cell: 'grid4-p0.8-gamma0.15' }, summaryNumbers(path.join(reference(), GRIDMIX_CELL, 'summary.json')));
});

test('a task that fails (a bad data root) is reported failed by gridmix status, with its log line and Slurm\'s state', { skip: missing }, async () => {
  const dir = tempDir('slurm-fail');
  const bad = TINY.replace('NAME', 'slurm-bad').replace('name: fashion-mnist-mini,', `name: cifar10, root: ${path.join(dir, 'no-such-folder')},`);
  const config = writeConfig(dir, 'bad.yaml', bad);
  const out = path.join(dir, 'bad');
  const r = gridmix(['train', '--config', config, '--out', out, '--executor', 'slurm']);
  assert.equal(r.code, 0, r.stderr);
  const job = jobIdOf(r.stdout);
  await until('the task failed', () => slurmState(`${job}_0`) === 'FAILED');
  const report = status(out);
  assert.equal(report.runs.length, 1);
  const [run] = report.runs;
  assert.equal(run.state, 'failed');
  assert.match(run.detail, /^gridmix: dataset "cifar10" not found; looked in: .*no-such-folder/);
  assert.deepEqual(run.slurm, { id: `${job}_0`, state: 'FAILED' });
  const text = gridmix(['status', out]);
  assert.match(text.stdout, /1 run\(s\) under .*: 1 failed/);
  assert.match(text.stdout, new RegExp(`^failed +\\S+seed-2 +gridmix: dataset "cifar10" not found.*\\[Slurm ${job}_0 FAILED\\]$`, 'm'));
});
