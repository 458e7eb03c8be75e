// Plans without training: which runs a plan makes, what state it reads from a folder, what the
// executor settings resolve to, and what the Slurm script does (run by bash with a stand-in gridmix).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { configToYaml, loadConfig } from '../../src/config/load';
import type { ExperimentConfig } from '../../src/config/schema';
import { resolveExecutor } from '../../src/cli/executor-flags';
import { describePlan } from '../../src/experiments/plan-report';
import { planAblation, planFolder, planTraining } from '../../src/experiments/plan-runs';
import { assessRun } from '../../src/experiments/run-state';
import { expandArrayId } from '../../src/experiments/slurm-commands';
import { checkSignalTime, slurmScript, slurmTimeSeconds } from '../../src/experiments/slurm-script';
import type { TaskRecord } from '../../src/experiments/submission';
import { etaSeconds, progressLine } from '../../src/experiments/progress-line';
import { UserError } from '../../src/errors';
import { REPO, tempDir, writeConfig } from '../helpers/cli';

const YAML_OF = (name: string, extra = '') => `
name: ${name}
seed: 0
backend: wasm
dataset: { name: fashion-mnist-mini, trainLimit: 60 }
backbone: { name: vgg_small }
method: { name: gridmix }
training: { epochs: 2 }
${extra}`;

function configIn(dir: string, name: string, extra = ''): { file: string; config: ExperimentConfig } {
  const file = writeConfig(dir, `${name}.yaml`, YAML_OF(name, `output: ${path.join(dir, 'results', name)}\n${extra}`));
  return { file, config: loadConfig(file) };
}

test('planTraining: one run per config x seed with the planning keys left out; planAblation: one per cell x seed', () => {
  const dir = tempDir('plan');
  const a = configIn(dir, 'a', 'seeds: [4, 5]\nexecutor: { name: slurm }');
  const b = configIn(dir, 'b');
  const runs = planTraining([a.config, b.config], [a.file, b.file]);
  assert.deepEqual(runs.map((r) => path.relative(dir, r.runDir)), ['results/a/seed-4', 'results/a/seed-5', 'results/b/seed-0']);
  assert.deepEqual(runs.map((r) => r.config.seed), [4, 5, 0]);
  for (const r of runs) assert.ok(r.config.seeds === undefined && r.config.executor === undefined && r.config.sweep === undefined);
  assert.deepEqual(planTraining([a.config, b.config], [a.file, b.file], [1]).map((r) => r.config.seed), [1, 1], '--seeds replaces the configs\' seeds');
  assert.equal(planFolder(runs), path.join(dir, 'results'));
  assert.equal(planFolder(runs.slice(0, 2)), path.join(dir, 'results', 'a'));
  assert.throws(() => planTraining([a.config, a.config], [a.file, 'copy.yaml']), /a\.yaml and copy\.yaml both train into .*seed-4 \(the same name and seed\)/);

  const ablation = configIn(dir, 'abl', 'sweep: { grid: [2], p: [0.5] }');
  const cells = planAblation(ablation.config, [0, 1]);
  assert.deepEqual(cells.map((r) => path.basename(r.runDir)), [
    'grid4-p0.8-gamma0.15-seed0', 'grid4-p0.8-gamma0.15-seed1', 'grid2-p0.8-gamma0.15-seed0', 'grid2-p0.8-gamma0.15-seed1',
    'grid4-p0.5-gamma0.15-seed0', 'grid4-p0.5-gamma0.15-seed1', 'baseline-seed0', 'baseline-seed1',
  ]);
  assert.equal(cells[2].config.method.grid, 2);
  assert.equal(cells[6].config.method.name, 'baseline');
  assert.equal(cells[6].ablationCell, 'baseline');
});

test('assessRun reads the state from the folder: pending, unfinished, changed, finished, running', async () => {
  const dir = tempDir('assess');
  const { config, file } = configIn(dir, 'r');
  const [run] = planTraining([config], [file]);
  assert.equal(assessRun(run).state, 'pending');
  fs.mkdirSync(path.join(run.runDir, 'checkpoint'), { recursive: true });
  fs.writeFileSync(path.join(run.runDir, 'checkpoint', 'last.ckpt'), 'x');
  fs.writeFileSync(path.join(run.runDir, 'config.yaml'), configToYaml(run.config));
  fs.writeFileSync(path.join(run.runDir, 'metrics.csv'), 'epoch,lr\n1,0.1\n');
  assert.deepEqual(assessRun(run), { run, state: 'unfinished', detail: 'epoch 1/2' });
  const summary = { epochs: 2, top1: 81.3, finished: true };
  fs.writeFileSync(path.join(run.runDir, 'summary.json'), JSON.stringify(summary));
  assert.deepEqual(assessRun(run), { run, state: 'finished', detail: 'top-1 81.30' });
  const changed = { ...run, config: { ...run.config, method: { ...run.config.method, gamma: 0 } } };
  assert.deepEqual(assessRun(changed), { run: changed, state: 'changed', detail: 'method.gamma: 0.15 -> 0' });
  const longer = { ...run, config: { ...run.config, training: { ...run.config.training, epochs: 4 } } };
  assert.deepEqual(assessRun(longer), { run: longer, state: 'unfinished', detail: 'epoch 1/4 (training.epochs: 2 -> 4)' }, 'more epochs: a resume trains it further');
  const moved = { ...run, config: { ...run.config, output: path.join(dir, 'elsewhere'), seeds: [0, 1] } };
  assert.equal(assessRun(moved).state, 'finished', 'where the experiment folder is and the seed list are not what a run computes');

  const sleeper = spawn('sleep', ['30']);
  try {
    fs.writeFileSync(path.join(run.runDir, '.lock'), JSON.stringify({ pid: sleeper.pid, host: require('os').hostname(), started: 'now' }));
    const running = assessRun(run);
    assert.equal(running.state, 'running');
    assert.match(running.detail!, new RegExp(`epoch 1/2, pid ${sleeper.pid} on `));
  } finally {
    sleeper.kill();
  }
  await new Promise((r) => sleeper.on('exit', r));
  assert.equal(assessRun(run).state, 'finished', 'a lock whose owner died does not count');

  const lines = describePlan('t', [assessRun(run), assessRun(changed), { run, state: 'pending' }, { run, state: 'unfinished' }]);
  assert.equal(lines[0], 't: 4 runs, 1 finished, 2 to do (1 new, 1 to resume), 1 trained with another config');
  assert.match(lines[2], /: trained with another config than planned now \(method\.gamma: 0\.15 -> 0\)$/);
});

test('executor settings: flags over --executor FILE over the configs\' block; one clear line for a bad value', () => {
  const dir = tempDir('executor');
  const a = configIn(dir, 'a', 'executor: { name: slurm, slurm: { partition: cpu, time: "1:00:00", extra: ["--exclusive"] } }');
  const plain = configIn(dir, 'p');
  const shipped = resolveExecutor([a.config], [a.file], { executor: path.join(REPO, 'configs', 'cluster', 'slurm-gpu.yaml') });
  assert.deepEqual([shipped.name, shipped.slurm.partition, shipped.slurm.gpus, shipped.slurm.time], ['slurm', 'gpu', 1, '1-00:00:00'], 'configs/cluster/slurm-gpu.yaml');
  checkSignalTime(shipped.slurm);
  const fromConfig = resolveExecutor([a.config], [a.file], {});
  assert.equal(fromConfig.name, 'slurm');
  assert.equal(fromConfig.slurm.partition, 'cpu');
  assert.equal(fromConfig.slurm.signalSeconds, 300);
  const cluster = writeConfig(dir, 'cluster.yaml', 'executor:\n  name: slurm\n  slurm: { partition: gpu, gpus: 1, mem: 16G }\n');
  const merged = resolveExecutor([a.config], [a.file], { executor: cluster, time: '2-00:00:00', sbatch: ['--constraint=a100'], jobs: 8 });
  assert.deepEqual(
    { name: merged.name, jobs: merged.jobs, ...merged.slurm },
    { name: 'slurm', jobs: 8, partition: 'gpu', time: '2-00:00:00', gpus: 1, mem: '16G', extra: ['--exclusive', '--constraint=a100'], setup: [], signalSeconds: 300 },
  );
  assert.equal(resolveExecutor([plain.config], [plain.file], { executor: 'local', jobs: 2, gpus: [0, 1] }).name, 'local');
  assert.throws(() => resolveExecutor([a.config, plain.config], [a.file, plain.file], {}), /a\.yaml and .*p\.yaml ask for different executor: settings/);
  assert.throws(() => resolveExecutor([plain.config], [plain.file], { time: '3 hours' }), (e: Error) => e instanceof UserError && /executor\.slurm\.time: got "3 hours"; expected a Slurm time/.test(e.message));
  assert.throws(() => resolveExecutor([plain.config], [plain.file], { executor: 'pbs' }), /--executor: got "pbs"; expected local or slurm, or a YAML file/);
  const typo = writeConfig(dir, 'typo.yaml', 'executor: { name: slurm, slurm: { partiton: gpu } }\n');
  assert.throws(() => resolveExecutor([plain.config], [plain.file], { executor: typo }), /executor settings \(from .*typo\.yaml\): executor\.slurm\.partiton: unknown key/);
  assert.throws(() => loadConfig(writeConfig(dir, 'bad.yaml', YAML_OF('bad', 'executor: { name: pbs }'))), /config error in .*bad\.yaml: executor\.name: got "pbs"; expected one of: local, slurm/);
});

test('Slurm times, the signal check, squeue\'s array ids, the ETA', () => {
  assert.equal(slurmTimeSeconds('90'), 5400);
  assert.equal(slurmTimeSeconds('4:00:00'), 14400);
  assert.equal(slurmTimeSeconds('1-12'), 129600);
  assert.equal(slurmTimeSeconds('1-00:30:05'), 88205);
  assert.equal(slurmTimeSeconds('UNLIMITED'), undefined);
  assert.throws(() => checkSignalTime({ time: '5', signalSeconds: 300, extra: [], setup: [] }), /signalSeconds: got 300; .*\(5 = 300 s\): use at most 149, or 0/);
  checkSignalTime({ time: '5', signalSeconds: 0, extra: [], setup: [] });
  checkSignalTime({ time: '1:00:00', signalSeconds: 300, extra: [], setup: [] });
  assert.deepEqual(expandArrayId('12_[0-2,5%2]'), ['12_0', '12_1', '12_2', '12_5']);
  assert.deepEqual(expandArrayId('12_3'), ['12_3']);
  const tally = { total: 10, done: 2, failed: 1, running: 2, durations: [60, 120], jobs: 2 };
  assert.equal(etaSeconds(tally), (90 * 7) / 2);
  assert.equal(progressLine(tally), '[2/10 done, 2 running, 1 failed, ETA 5m15s]');
});

function fakeTasks(dir: string): TaskRecord[] {
  return [0, 1].map((index) => ({
    index, label: `run ${index}`, run_dir: path.join(dir, `run ${index}`), config: path.join(dir, `run-${index}.yaml`), ablation_cell: index === 1 ? 'grid2-p0.8-gamma0.15' : null, start_over: false,
  }));
}

test('the Slurm script: #SBATCH lines from the settings; each task runs gridmix on its run, resumes from a checkpoint, records its exit', () => {
  const dir = tempDir('script');
  const tasks = fakeTasks(dir);
  const stand_in = path.join(dir, 'fake-node');
  // Stands in for node: prints what it was asked to run and exits 3.
  fs.writeFileSync(stand_in, '#!/bin/bash\necho "ran: $*"\nexit 3\n', { mode: 0o755 });
  const script = slurmScript({
    jobName: 'gridmix-t', tasks, maxRunning: 4, submissionDir: dir, cwd: dir, node: stand_in, gridmixBin: '/opt/gridmix/bin/gridmix',
    settings: { partition: 'gpu', time: '1-00:00:00', gpus: 1, cpusPerTask: 8, mem: '32G', account: 'lab', qos: 'high', signalSeconds: 600, extra: ['--constraint=a100'], setup: ['echo setting up'] },
  });
  const directives = script.split('\n').filter((l) => l.startsWith('#SBATCH'));
  assert.deepEqual(directives, [
    '#SBATCH --job-name=gridmix-t', '#SBATCH --array=0-1%4', `#SBATCH --output=${dir}/task-%a.out`, `#SBATCH --chdir=${dir}`,
    '#SBATCH --open-mode=append', '#SBATCH --requeue', '#SBATCH --signal=B:USR1@600', '#SBATCH --partition=gpu', '#SBATCH --time=1-00:00:00',
    '#SBATCH --gres=gpu:1', '#SBATCH --cpus-per-task=8', '#SBATCH --mem=32G', '#SBATCH --account=lab', '#SBATCH --qos=high', '#SBATCH --constraint=a100',
  ]);
  const file = path.join(dir, 'job.sbatch');
  fs.writeFileSync(file, script);
  assert.equal(spawnSync('bash', ['-n', file]).status, 0, 'valid bash');
  const env = { ...process.env, SLURM_ARRAY_JOB_ID: '77', SLURM_JOB_ID: '78', SLURM_RESTART_COUNT: '1' };
  fs.mkdirSync(path.join(tasks[1].run_dir, 'checkpoint'), { recursive: true });
  fs.writeFileSync(path.join(tasks[1].run_dir, 'checkpoint', 'last.ckpt'), 'x');
  for (const index of [0, 1]) {
    const r = spawnSync('bash', [file], { env: { ...env, SLURM_ARRAY_TASK_ID: String(index) }, encoding: 'utf8' });
    assert.equal(r.status, 3, 'the script exits with gridmix\'s code');
  }
  const log0 = fs.readFileSync(path.join(tasks[0].run_dir, 'train.log'), 'utf8');
  assert.match(log0, /^setting up$/m);
  assert.match(log0, /Slurm task 77_0 on .* \(attempt 2\)/);
  assert.match(log0, new RegExp(`^ran: /opt/gridmix/bin/gridmix train --config ${tasks[0].config} --run-dir ${tasks[0].run_dir}$`, 'm'));
  const log1 = fs.readFileSync(path.join(tasks[1].run_dir, 'train.log'), 'utf8');
  assert.match(log1, new RegExp(`^ran: /opt/gridmix/bin/gridmix train --config ${tasks[1].config} --run-dir ${tasks[1].run_dir} --ablation-cell grid2-p0.8-gamma0.15 --resume$`, 'm'));
  const exit = JSON.parse(fs.readFileSync(path.join(tasks[1].run_dir, 'last-exit.json'), 'utf8'));
  assert.deepEqual({ exit_code: exit.exit_code, job: exit.job, requeued: exit.requeued, executor: exit.executor }, { exit_code: 3, job: '77_1', requeued: false, executor: 'slurm' });

  const forced = slurmScript({ jobName: 'g', tasks: tasks.map((t) => ({ ...t, start_over: t.index === 1 })), submissionDir: dir, cwd: dir, node: stand_in, gridmixBin: 'gm', settings: { signalSeconds: 0, extra: [], setup: [] } });
  assert.doesNotMatch(forced, /--signal/);
  assert.match(forced, /^#SBATCH --array=0-1$/m);
  fs.writeFileSync(file, forced);
  const first = spawnSync('bash', [file], { env: { ...env, SLURM_RESTART_COUNT: '0', SLURM_ARRAY_TASK_ID: '1' }, encoding: 'utf8' });
  assert.equal(first.status, 3);
  assert.match(fs.readFileSync(path.join(tasks[1].run_dir, 'train.log'), 'utf8'), /ran: gm train .* --force$/m, '--force on the first attempt only');
  spawnSync('bash', [file], { env: { ...env, SLURM_RESTART_COUNT: '1', SLURM_ARRAY_TASK_ID: '1' }, encoding: 'utf8' });
  assert.match(fs.readFileSync(path.join(tasks[1].run_dir, 'train.log'), 'utf8').trim().split('\n').at(-1)!, /ran: gm train .* --resume$/, 'a requeued attempt resumes');
});

test('a requeued Slurm task takes over the lock its earlier attempt left on another node; any other holder elsewhere is refused', () => {
  const { acquireRunLock } = require('../../src/io/run-lock') as typeof import('../../src/io/run-lock');
  const dir = tempDir('slurm-lock');
  const lock = path.join(dir, '.lock');
  const saved = { job: process.env.SLURM_ARRAY_JOB_ID, task: process.env.SLURM_ARRAY_TASK_ID };
  process.env.SLURM_ARRAY_JOB_ID = '41';
  process.env.SLURM_ARRAY_TASK_ID = '3';
  try {
    fs.writeFileSync(lock, JSON.stringify({ pid: 1, host: 'node-17', started: 'then', slurmJob: '41_3' }));
    const release = acquireRunLock(lock, 'run');
    assert.equal(JSON.parse(fs.readFileSync(lock, 'utf8')).slurmJob, '41_3');
    release();
    fs.writeFileSync(lock, JSON.stringify({ pid: 1, host: 'node-17', started: 'then', slurmJob: '41_2' }));
    assert.throws(() => acquireRunLock(lock, 'run'), /run is locked by gridmix on host node-17/);
  } finally {
    if (saved.job === undefined) delete process.env.SLURM_ARRAY_JOB_ID;
    else process.env.SLURM_ARRAY_JOB_ID = saved.job;
    if (saved.task === undefined) delete process.env.SLURM_ARRAY_TASK_ID;
    else process.env.SLURM_ARRAY_TASK_ID = saved.task;
  }
});
