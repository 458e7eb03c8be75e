// The world around a run: the terminal closing (SIGHUP), the reader of its output going away
// (`gridmix train | head -1`), an ablation cut by Ctrl-C, a results folder on a read-only
// filesystem. None may lose work or end in a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { exitOf, gridmixAsync, REPO, tempDir, waitFor, writeConfig } from '../helpers/cli';

const TINY = `
name: tiny
seed: 4
backend: wasm
dataset: { name: fashion-mnist-mini, trainLimit: 60, testLimit: 20 }
backbone: { name: vgg_small }
method: { name: gridmix }
training: { epochs: 2, batchSize: 10, optimizer: { lr: 0.05 } }
`;

/** Starts gridmix, waits until the first training step is about to start, and returns the child. */
async function startTraining(args: string[]) {
  const child = gridmixAsync(args);
  const exited = exitOf(child);
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  await waitFor(() => / epochs? -> /.test(stdout), child);
  return { child, exited, stdout: () => stdout };
}

test('SIGHUP (the terminal closed) is handled like SIGTERM: checkpoint, message, exit 130', async () => {
  const dir = tempDir('sighup');
  const out = path.join(dir, 'run');
  const { child, exited } = await startTraining(['train', '--config', writeConfig(dir, 'tiny.yaml', TINY), '--out', out]);
  await new Promise((r) => setTimeout(r, 200));
  child.kill('SIGHUP');
  const { code, stderr } = await exited;
  assert.equal(code, 130, stderr);
  assert.match(stderr, /interrupted at epoch \d+, step \d+; checkpoint written to .*last\.ckpt; continue with --resume/);
  assert.ok(fs.existsSync(path.join(out, 'seed-4', 'checkpoint', 'last.ckpt')));
});

test('output to a closed pipe (gridmix train | head -1) neither stops nor crashes the run', async () => {
  const dir = tempDir('epipe');
  const out = path.join(dir, 'run');
  const child = gridmixAsync(['train', '--config', writeConfig(dir, 'tiny.yaml', TINY), '--out', out]);
  const exited = exitOf(child);
  // Like head -1: read the first line, then close the pipe while the run goes on writing to it.
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  child.stdout!.destroy();
  const { code, stderr } = await exited;
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|internal error/);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'seed-4', 'summary.json'), 'utf8'));
  assert.equal(summary.finished, true);
  assert.equal(fs.readFileSync(path.join(out, 'seed-4', 'metrics.csv'), 'utf8').trim().split('\n').length, 3);
});

test('Ctrl-C in ablate names the real next command (ablate has no --resume)', async () => {
  const dir = tempDir('ablate-sigint');
  const config = writeConfig(dir, 'abl.yaml', `${TINY}sweep: { p: [0.5] }\n`);
  const { child, exited } = await startTraining(['ablate', '--config', config, '--out', path.join(dir, 'abl')]);
  await new Promise((r) => setTimeout(r, 200));
  child.kill('SIGINT');
  const { code, stderr } = await exited;
  assert.equal(code, 130, stderr);
  assert.match(stderr, /checkpoint written to .*; run the same gridmix ablate command again to continue/);
  assert.doesNotMatch(stderr, /--resume/);
});

/** A read-only filesystem needs a mount: in a private user and mount namespace (`unshare -rm`) where the kernel allows it. */
function readOnlyMountUnavailable(): string | undefined {
  const probe = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o ro none "$1"', 'sh', tempDir('ro-probe')], { encoding: 'utf8' });
  if (probe.error) return `unshare is not installed (${probe.error.message})`;
  return probe.status === 0 ? undefined : `this kernel or container refuses an unprivileged mount namespace: ${probe.stderr.trim()}`;
}

/** gridmix with `ro` mounted read-only (a tmpfs, or `source` bound read-only) for the length of the command. */
function gridmixOnReadOnly(ro: string, args: string[], source?: string) {
  const mount = source ? `mount --bind "${source}" "$1" && mount -o remount,ro,bind "$1"` : 'mount -t tmpfs -o ro none "$1"';
  const bin = path.join(REPO, 'bin', 'gridmix');
  const r = spawnSync('unshare', ['-rm', 'sh', '-c', `${mount} && shift && exec "$@"`, 'sh', ro, process.execPath, bin, ...args], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a results folder on a read-only filesystem: one line naming the folder and "not writable"', (t) => {
  const why = readOnlyMountUnavailable();
  if (why) {
    t.skip(why);
    return;
  }
  const dir = tempDir('read-only');
  const config = writeConfig(dir, 'tiny.yaml', TINY);
  const ro = path.join(dir, 'ro');
  fs.mkdirSync(ro);
  const train = gridmixOnReadOnly(ro, ['train', '--config', config, '--out', path.join(ro, 'results', 'tiny')]);
  assert.equal(train.code, 1, train.stderr);
  assert.match(train.stderr.trim(), /^gridmix: cannot write .*ro\/results\/tiny\/seed-4: not writable \(the filesystem is read-only\)$/);
  const results = path.join(dir, 'results');
  fs.mkdirSync(results);
  const report = gridmixOnReadOnly(results, ['report', '--results', results], results);
  assert.equal(report.code, 1, report.stderr);
  assert.match(report.stderr.trim(), /^gridmix: cannot write .*results\/tables.*: not writable \(the filesystem is read-only\)$/);
});
