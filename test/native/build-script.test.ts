// scripts/build-native.js as `npm install` runs it: wherever the addon cannot be built it says why in
// one line, records it in status.txt, removes any addon left from an earlier build, and exits 0, so
// the install never fails because of it. Each case builds into its own temporary folder. Then its
// pieces: where each platform's oneDNN is looked for, its version, and the compiler's arguments.
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

/**
 * A fake oneDNN include folder whose headers say version `major.minor` and hold `body`: under
 * oneapi/dnnl/ as every current package has it, or (flat) at the top of the folder.
 */
function fakeDnnl(major: number, body: string, { minor = 6, flat = false } = {}): string {
  const include = join(mkdtempSync(join(tmpdir(), 'gridmix-fake-dnnl-')), 'include');
  const dir = flat ? include : join(include, 'oneapi', 'dnnl');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'dnnl.hpp'), body);
  writeFileSync(join(dir, 'dnnl_version.h'), `#define DNNL_VERSION_MAJOR ${major}\n#define DNNL_VERSION_MINOR ${minor}\n#define DNNL_VERSION_PATCH 1\n`);
  return include;
}

interface BuildPieces {
  dnnlIncludeDirs(platform: string, env: Record<string, string | undefined>): string[];
  findDnnl(includeDir: string): { includeDir: string; header: string; versionHeader: string; flat: boolean } | undefined;
  dnnlVersion(versionHeader: string): { major: number; minor: number; patch: number } | undefined;
  unsupportedVersion(version: { major: number; minor: number; patch: number } | undefined): string | undefined;
  dnnlLibDir(includeDir: string, platform: string, env: Record<string, string | undefined>): string | undefined;
  compilerArgs(o: {
    platform: string; nodeInclude: string; dnnlInclude: string; flatHeaders?: boolean; dnnlLib?: string; source: string; output: string;
  }): string[];
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pieces = require(SCRIPT) as BuildPieces;

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
  assertSkipped(
    build({ ...ANY_COMPILER, GRIDMIX_DNNL_INCLUDE: join(tmpdir(), 'gridmix-no-such-folder') }),
    /oneDNN headers not found \(apt-get install libdnnl-dev, or dnf install onednn-devel\)/,
  );
});

test('oneDNN older than 2.3: skipped before compiling, naming the version and the one needed', () => {
  const include = fakeDnnl(2, '#error must not be compiled\n', { minor: 2 });
  try {
    assertSkipped(build({ ...ANY_COMPILER, GRIDMIX_DNNL_INCLUDE: include }), /oneDNN 2\.2\.1 found; the kernels need oneDNN 2\.3 or later/);
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

test('dnnl.hpp at the top of the include folder (older layouts) is found and compiled', (t) => {
  if (!realCompiler) {
    t.skip('no C++ compiler on this machine to compile with');
    return;
  }
  const include = fakeDnnl(3, '#error the flat layout was compiled\n', { minor: 7, flat: true });
  try {
    assertSkipped(build({ CXX: realCompiler, GRIDMIX_DNNL_INCLUDE: include }), /the build failed \(.*the flat layout was compiled.*\)/);
  } finally {
    rmSync(join(include, '..'), { recursive: true, force: true });
  }
});

test('where oneDNN is looked for: /usr on Linux, Homebrew on macOS, GRIDMIX_DNNL_INCLUDE instead of either', () => {
  assert.deepEqual(pieces.dnnlIncludeDirs('linux', {}), ['/usr/include', '/usr/local/include']);
  assert.deepEqual(pieces.dnnlIncludeDirs('darwin', {}), ['/opt/homebrew/include', '/usr/local/include']);
  assert.deepEqual(pieces.dnnlIncludeDirs('linux', { GRIDMIX_DNNL_INCLUDE: '/opt/dnnl/include' }), ['/opt/dnnl/include']);
  assert.equal(pieces.findDnnl(join(tmpdir(), 'gridmix-no-such-folder')), undefined);
});

test('the version header: major, minor and patch read; 2.3 and later (3.x included) accepted', () => {
  const include = fakeDnnl(3, '', { minor: 11 });
  try {
    const found = pieces.findDnnl(include);
    assert.equal(found?.header, join(include, 'oneapi', 'dnnl', 'dnnl.hpp'));
    assert.equal(found.flat, false);
    assert.deepEqual(pieces.dnnlVersion(found.versionHeader), { major: 3, minor: 11, patch: 1 });
  } finally {
    rmSync(join(include, '..'), { recursive: true, force: true });
  }
  assert.equal(pieces.dnnlVersion(join(tmpdir(), 'gridmix-no-such-file.h')), undefined);
  assert.equal(pieces.unsupportedVersion({ major: 2, minor: 3, patch: 0 }), undefined);
  assert.equal(pieces.unsupportedVersion({ major: 3, minor: 0, patch: 0 }), undefined);
  assert.match(pieces.unsupportedVersion({ major: 1, minor: 8, patch: 0 }) ?? '', /need oneDNN 2\.3 or later/);
});

test('the library folder: none for /usr on Linux; lib64 or lib beside the headers; Homebrew lib; GRIDMIX_DNNL_LIB first', () => {
  assert.equal(pieces.dnnlLibDir('/usr/include', 'linux', {}), undefined, 'the linker searches /usr (lib64 on Fedora) itself');
  assert.equal(pieces.dnnlLibDir('/opt/homebrew/include', 'darwin', {}), '/opt/homebrew/lib');
  assert.equal(pieces.dnnlLibDir('/usr/include', 'linux', { GRIDMIX_DNNL_LIB: '/somewhere/lib' }), '/somewhere/lib');
  const prefix = mkdtempSync(join(tmpdir(), 'gridmix-fake-prefix-'));
  try {
    mkdirSync(join(prefix, 'include'));
    assert.equal(pieces.dnnlLibDir(join(prefix, 'include'), 'linux', {}), join(prefix, 'lib'), 'lib/ when neither holds libdnnl');
    mkdirSync(join(prefix, 'lib64'));
    writeFileSync(join(prefix, 'lib64', 'libdnnl.so'), '');
    assert.equal(pieces.dnnlLibDir(join(prefix, 'include'), 'linux', {}), join(prefix, 'lib64'));
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
});

test('the compiler arguments: OpenMP on Linux; on macOS none, and Node symbols bound at load time', () => {
  const common = { nodeInclude: '/n', dnnlInclude: '/d/include', source: 'a.cc', output: 'a.node' };
  const linux = pieces.compilerArgs({ platform: 'linux', ...common });
  assert.ok(linux.includes('-fopenmp'));
  assert.ok(!linux.some((a) => a.startsWith('-L') || a.includes('rpath')), 'no -L for a oneDNN the linker finds');
  assert.ok(!linux.includes('-DGRIDMIX_DNNL_FLAT_HEADERS'));
  assert.ok(pieces.compilerArgs({ platform: 'linux', ...common, flatHeaders: true }).includes('-DGRIDMIX_DNNL_FLAT_HEADERS'));
  const mac = pieces.compilerArgs({ platform: 'darwin', ...common, dnnlLib: '/opt/homebrew/lib' });
  assert.ok(!mac.includes('-fopenmp'));
  const undefinedAt = mac.indexOf('-undefined');
  assert.ok(undefinedAt >= 0 && mac[undefinedAt + 1] === 'dynamic_lookup', mac.join(' '));
  assert.ok(mac.includes('-L/opt/homebrew/lib') && mac.includes('-Wl,-rpath,/opt/homebrew/lib'));
  assert.deepEqual(mac.slice(-4), ['a.cc', '-ldnnl', '-o', 'a.node']);
});
