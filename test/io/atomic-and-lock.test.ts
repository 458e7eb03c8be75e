import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../../src/errors';
import { ensureDir, explainWriteError, writeFileAtomic } from '../../src/io/atomic-file';
import { acquireRunLock } from '../../src/io/run-lock';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gridmix-io-'));
}

test('writeFileAtomic replaces the file whole and leaves no temp file', () => {
  const dir = tempDir();
  const file = path.join(dir, 'a.json');
  writeFileAtomic(file, 'old');
  writeFileAtomic(file, [Buffer.from('new '), Buffer.from('content')]);
  assert.equal(fs.readFileSync(file, 'utf8'), 'new content');
  assert.deepEqual(fs.readdirSync(dir), ['a.json']);
});

test('an unwritable folder is a UserError naming the path, and the old file is intact', () => {
  const dir = tempDir();
  const blocker = path.join(dir, 'not-a-folder');
  fs.writeFileSync(blocker, 'x');
  const target = path.join(blocker, 'summary.json');
  assert.throws(() => writeFileAtomic(target, '{}'), (err: unknown) => err instanceof UserError && err.message.includes(target));
  assert.equal(fs.readFileSync(blocker, 'utf8'), 'x');
});

test('a run lock refuses a second holder and is released', () => {
  const dir = tempDir();
  const file = path.join(dir, '.lock');
  // A live process that is not us holds it:
  fs.writeFileSync(file, JSON.stringify({ pid: process.ppid, host: os.hostname(), started: 'earlier' }));
  assert.throws(() => acquireRunLock(file, 'run folder X'), /run folder X is in use by another gridmix process \(pid \d+/);
  fs.rmSync(file);
  const release = acquireRunLock(file, 'run folder X');
  assert.ok(fs.existsSync(file));
  release();
  assert.ok(!fs.existsSync(file));
});

test('a lock left by a dead process is taken over', () => {
  const dir = tempDir();
  const file = path.join(dir, '.lock');
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  fs.writeFileSync(file, JSON.stringify({ pid: Number(dead), host: os.hostname(), started: 'earlier' }));
  const release = acquireRunLock(file, 'run folder Y');
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, process.pid);
  release();
});

test('disk full and permission errors name the path and the reason', () => {
  const full = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
  assert.equal(explainWriteError(full, '/r/summary.json').message, 'cannot write /r/summary.json: the disk is full');
  const denied = Object.assign(new Error('EACCES'), { code: 'EACCES' });
  assert.equal(explainWriteError(denied, '/r/x').message, 'cannot write /r/x: not writable (permission denied)');
});

test('folders are made one at a time, so a refusal reads as what it is (recursive mkdir says ENOENT on a read-only filesystem)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridmix-mkdir-'));
  const file = path.join(dir, 'a-file');
  fs.writeFileSync(file, 'x');
  assert.throws(() => ensureDir(path.join(file, 'sub', 'deeper')), /cannot write .*a-file\/sub\/deeper: a parent of it is not a folder/);
  const deep = path.join(dir, 'one', 'two', 'three');
  ensureDir(deep);
  assert.ok(fs.statSync(deep).isDirectory());
  ensureDir(deep); // already there: nothing to do
  assert.throws(() => ensureDir(path.join(dir, 'x'.repeat(300), 'y')), /the path is too long/);
});
