// scripts/build-native.js as `npm install` runs it: wherever the addon cannot be built it says why in
// one line, records it in status.txt, removes any addon left from an earlier build, and exits 0, so
// the install never fails because of it. Each case builds into its own temporary folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers/cli';

const SCRIPT = join(REPO, 'scripts', 'build-native.js');
/** A "compiler" that answers --version, so the cases below reach the header checks on any machine. */
const ANY_COMPILER = { CXX: 'true' };
const realCompiler = ['g++', 'c++', 'clang++'].find((name) => spawnSync(name, ['--version']).status === 0);

function build(env: Record<string, string>): { code: number | null; stdout: string; status: string; addonLeft: boolean } {
  const buildDir = mkdtempSync(join(tmpdir(), 'gridmix-native-build-'));
  try {
    // An addon from an earlier build: a skipped build must not leave it to be loaded.
    writeFileSync(join(buildDir, 'gridmix_native.node'), 'stale');
    const run = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8', env: { ...process.env, GRIDMIX_NATIVE_BUILD_DIR: buildDir, ...env } });
    return {
      code: run.status,
      stdout: run.stdout,
      status: readFileSync(join(buildDir, 'status.txt'), 'utf8'),
      addonLeft: existsSync(join(buildDir, 'gridmix_native.node')),
    };
  } finally {
    rmSync(buildDir, { recursive: true, force: true });
  }
}

/** A fake oneDNN include folder whose headers say `major` and hold `body`. */
function fakeDnnl(major: number, body: string): string {
  const include = join(mkdtempSync(join(tmpdir(), 'gridmix-fake-dnnl-')), 'include');
  mkdirSync(join(include, 'oneapi', 'dnnl'), { recursive: true });
  writeFileSync(join(include, 'oneapi', 'dnnl', 'dnnl.hpp'), body);
  writeFileSync(join(include, 'oneapi', 'dnnl', 'dnnl_version.h'), `#define DNNL_VERSION_MAJOR ${major}\n`);
  return include;
}

function assertSkipped(result: ReturnType<typeof build>, why: RegExp): void {
  assert.equal(result.code, 0, 'the install step never fails');
  assert.equal(result.stdout.trim().split('\n').length, 1, `one line: ${result.stdout}`);
  assert.match(result.stdout, /^gridmix native kernels: skipped: /);
  assert.match(result.stdout, why);
  assert.match(result.status, why);
  assert.equal(result.addonLeft, false, 'the stale addon was removed');
}

test('no C++ compiler: skipped, saying how to get one', () => {
  assertSkipped(build({ CXX: '/nonexistent/c++' }), /no C\+\+ compiler .*apt-get install g\+\+/);
});

test('no oneDNN headers: skipped, naming libdnnl-dev', () => {
  assertSkipped(build({ ...ANY_COMPILER, GRIDMIX_DNNL_INCLUDE: join(tmpdir(), 'gridmix-no-such-folder') }), /oneDNN headers not found \(apt-get install libdnnl-dev\)/);
});

test('oneDNN 3.x: skipped before compiling, saying the addon is written for 2.x', () => {
  const include = fakeDnnl(3, '');
  try {
    assertSkipped(build({ ...ANY_COMPILER, GRIDMIX_DNNL_INCLUDE: include }), /oneDNN 3\.x found; the addon is written for oneDNN 2\.x/);
  } finally {
    rmSync(join(include, '..'), { recursive: true, force: true });
  }
});

test('a compile error: skipped, quoting the error line', (t) => {
  if (!realCompiler) {
    t.skip('no C++ compiler on this machine to fail with');
    return;
  }
  const include = fakeDnnl(2, '#error this oneDNN is broken\n');
  try {
    assertSkipped(build({ CXX: realCompiler, GRIDMIX_DNNL_INCLUDE: include }), /the build failed \(.*this oneDNN is broken.*\)/);
  } finally {
    rmSync(join(include, '..'), { recursive: true, force: true });
  }
});
