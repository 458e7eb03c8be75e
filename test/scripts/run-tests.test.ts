// scripts/run-tests.js: the fast suite is every test file but the long ones it names; --all is every file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { REPO } from '../helpers/cli';

function listed(...args: string[]): string[] {
  const r = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'run-tests.js'), '--list', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n');
}

test('the fast suite leaves out the long end-to-end tests and keeps the rest; --all runs every file', () => {
  const fast = listed();
  const all = listed('--all');
  assert.ok(all.includes('scripts/run-tests.test.ts') && all.includes('e2e/faults.test.ts'), all.join(' '));
  assert.ok(fast.includes('scripts/run-tests.test.ts'), 'a new test file is in the fast suite by default');
  assert.ok(!fast.includes('e2e/faults.test.ts'), 'the kill-and-resume runs are long');
  assert.ok(fast.every((file) => all.includes(file)));
  assert.ok(fast.length > all.length / 2, `${fast.length} of ${all.length} files in the fast suite`);
});
