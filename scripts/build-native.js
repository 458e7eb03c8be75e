#!/usr/bin/env node
// Builds gridmix's native oneDNN kernels (native/gridmix_native.cc) into native/build/, as the
// package's install step, against oneDNN 2.x (2.3 and later) or 3.x, wherever the platform puts it:
// Debian/Ubuntu (apt-get install libdnnl-dev) and Fedora (dnf install onednn-devel) under /usr,
// Homebrew on macOS (brew install onednn) under /opt/homebrew or /usr/local, or a oneDNN of one's
// own named by GRIDMIX_DNNL_INCLUDE (its include folder) and GRIDMIX_DNNL_LIB (the folder holding
// libdnnl). It never fails the install: where the build cannot happen (Windows, no C++ compiler,
// no oneDNN headers, a oneDNN older than 2.3, no Node headers, a compile error) it prints one line
// saying why, records the reason in native/build/status.txt for `--backend auto` to report, and
// gridmix runs on plain wasm.
//
// It calls the compiler directly rather than node-gyp: node-gyp wants to download Node's headers
// when it cannot find them, and this one-file addon needs only node_api.h and -ldnnl.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const source = path.join(root, 'native', 'gridmix_native.cc');
// Overridable for the tests of this script, which must not touch the real build.
const buildDir = process.env.GRIDMIX_NATIVE_BUILD_DIR || path.join(root, 'native', 'build');
const output = path.join(buildDir, 'gridmix_native.node');
const statusFile = path.join(buildDir, 'status.txt');

function record(line) {
  fs.mkdirSync(buildDir, { recursive: true });
  // A skipped build leaves no addon from an earlier one behind: what loads is what this build says.
  if (line.startsWith('skipped')) fs.rmSync(output, { force: true });
  fs.writeFileSync(statusFile, `${line}\n`);
  console.log(`gridmix native kernels: ${line}`);
}

function firstExisting(candidates) {
  return candidates.find((candidate) => fs.existsSync(candidate));
}

/**
 * Where a platform's package manager puts oneDNN: Debian, Ubuntu and Fedora under /usr; Homebrew
 * under /opt/homebrew (Apple silicon) or /usr/local (Intel). GRIDMIX_DNNL_INCLUDE replaces the list.
 */
function dnnlIncludeDirs(platform, env) {
  if (env.GRIDMIX_DNNL_INCLUDE) return [env.GRIDMIX_DNNL_INCLUDE];
  return platform === 'darwin' ? ['/opt/homebrew/include', '/usr/local/include'] : ['/usr/include', '/usr/local/include'];
}

function installHint(platform) {
  return platform === 'darwin' ? 'brew install onednn' : 'apt-get install libdnnl-dev, or dnf install onednn-devel';
}

/**
 * oneDNN's headers in one include folder: oneapi/dnnl/dnnl.hpp (every current package), or dnnl.hpp
 * at the top (older layouts). Returns the folder, the header and the version header beside it.
 */
function findDnnl(includeDir) {
  for (const sub of [path.join('oneapi', 'dnnl'), '']) {
    const header = path.join(includeDir, sub, 'dnnl.hpp');
    if (fs.existsSync(header)) return { includeDir, header, versionHeader: path.join(includeDir, sub, 'dnnl_version.h'), flat: sub === '' };
  }
  return undefined;
}

/** { major, minor, patch } from dnnl_version.h, or undefined when it cannot be read. */
function dnnlVersion(versionHeader) {
  let text;
  try {
    text = fs.readFileSync(versionHeader, 'utf8');
  } catch {
    return undefined;
  }
  const part = (name) => {
    const match = new RegExp(`#define\\s+DNNL_VERSION_${name}\\s+(\\d+)`).exec(text);
    return match ? Number(match[1]) : undefined;
  };
  const [major, minor, patch] = ['MAJOR', 'MINOR', 'PATCH'].map(part);
  return major === undefined || minor === undefined ? undefined : { major, minor, patch: patch ?? 0 };
}

/** Why a oneDNN version cannot be built against, or undefined when it can (2.3 and later). */
function unsupportedVersion(version) {
  // 2.3 brought batch normalization's separate scale and shift, which the kernels use.
  if (version && (version.major < 2 || (version.major === 2 && version.minor < 3))) {
    return `oneDNN ${version.major}.${version.minor}.${version.patch} found; the kernels need oneDNN 2.3 or later`;
  }
  return undefined;
}

/**
 * The folder holding libdnnl when the linker would not look there itself (GRIDMIX_DNNL_LIB, else
 * lib/ or lib64/ beside the include folder); undefined for /usr and /usr/local on Linux.
 */
function dnnlLibDir(includeDir, platform, env) {
  if (env.GRIDMIX_DNNL_LIB) return env.GRIDMIX_DNNL_LIB;
  if (platform !== 'darwin' && ['/usr/include', '/usr/local/include'].includes(includeDir)) return undefined;
  const prefix = path.dirname(includeDir);
  const library = platform === 'darwin' ? 'libdnnl.dylib' : 'libdnnl.so';
  const candidates = ['lib', 'lib64'].map((sub) => path.join(prefix, sub));
  return candidates.find((dir) => fs.existsSync(path.join(dir, library))) ?? candidates[0];
}

/** The compiler's arguments for the addon. */
function compilerArgs({ platform, nodeInclude, dnnlInclude, flatHeaders = false, dnnlLib, source, output }) {
  return [
    '-O2', '-std=c++17', '-shared', '-fPIC', '-fvisibility=hidden',
    // Apple's clang has no OpenMP (oneDNN then keeps its own thread count), and a Node addon on
    // macOS leaves Node's own symbols (napi_*) to be bound when Node loads it.
    ...(platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : ['-fopenmp']),
    '-DNODE_GYP_MODULE_NAME=gridmix_native',
    ...(flatHeaders ? ['-DGRIDMIX_DNNL_FLAT_HEADERS'] : []),
    `-I${nodeInclude}`, `-I${dnnlInclude}`,
    ...(dnnlLib ? [`-L${dnnlLib}`, `-Wl,-rpath,${dnnlLib}`] : []),
    source, '-ldnnl', '-o', output,
  ];
}

function compilerPath(platform, env) {
  // macOS's c++ and g++ are Apple clang as well; clang++ names it plainly.
  const names = env.CXX ? [env.CXX] : platform === 'darwin' ? ['clang++', 'c++'] : ['g++', 'c++', 'clang++'];
  return names.find((name) => spawnSync(name, ['--version'], { encoding: 'utf8' }).status === 0);
}

function main(platform = process.platform, env = process.env) {
  if (env.GRIDMIX_NO_NATIVE_BUILD) return record('skipped: GRIDMIX_NO_NATIVE_BUILD is set; plain wasm');
  if (platform !== 'linux' && platform !== 'darwin') {
    return record(`skipped: native kernels are built on Linux and macOS only (this is ${platform}); plain wasm`);
  }
  const compiler = compilerPath(platform, env);
  if (!compiler) {
    return record(`skipped: no C++ compiler (g++/c++/clang++; ${platform === 'darwin' ? 'xcode-select --install' : 'apt-get install g++'}); plain wasm`);
  }
  const dnnl = dnnlIncludeDirs(platform, env).map(findDnnl).find(Boolean);
  if (!dnnl) return record(`skipped: oneDNN headers not found (${installHint(platform)}); plain wasm`);
  const version = dnnlVersion(dnnl.versionHeader);
  const unsupported = unsupportedVersion(version);
  if (unsupported) return record(`skipped: ${unsupported}; plain wasm`);
  const nodeInclude = firstExisting([
    path.resolve(process.execPath, '..', '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter((dir) => fs.existsSync(path.join(dir, 'node_api.h'))));
  if (!nodeInclude) return record('skipped: Node.js headers (node_api.h) not found next to the node binary; plain wasm');
  fs.mkdirSync(buildDir, { recursive: true });
  const args = compilerArgs({
    platform, nodeInclude, dnnlInclude: dnnl.includeDir, flatHeaders: dnnl.flat, dnnlLib: dnnlLibDir(dnnl.includeDir, platform, env), source, output: `${output}.tmp`,
  });
  const build = spawnSync(compiler, args, { encoding: 'utf8' });
  if (build.status !== 0) {
    const why = (build.stderr || build.error?.message || '').split('\n').find((l) => /error/i.test(l)) ?? `exit ${build.status}`;
    return record(`skipped: the build failed (${why.trim()}); plain wasm`);
  }
  fs.renameSync(`${output}.tmp`, output);
  const against = version ? `oneDNN ${version.major}.${version.minor}.${version.patch}` : 'oneDNN (version unknown)';
  record(`built with ${compiler} against ${against} (${dnnl.header})`);
}

// The pieces above, for the tests of this script (which run it as a program too).
module.exports = { dnnlIncludeDirs, findDnnl, dnnlVersion, unsupportedVersion, dnnlLibDir, compilerArgs };

if (require.main === module) {
  try {
    main();
  } catch (err) {
    // An install step must not fail because of an optional speed-up.
    try {
      record(`skipped: ${err instanceof Error ? err.message : String(err)}; plain wasm`);
    } catch {
      console.log('gridmix native kernels: skipped (could not write native/build)');
    }
  }
}
