#!/usr/bin/env node
// Builds gridmix's native oneDNN kernels (native/gridmix_native.cc) into native/build/, as the
// package's install step. It never fails the install: where the build cannot happen (not Linux, no
// C++ compiler, no oneDNN headers, no Node headers) it prints one line saying why, records the
// reason in native/build/status.txt for `--backend auto` to report, and gridmix runs on plain wasm.
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
// Where oneDNN's headers are looked for (a oneDNN installed elsewhere: set this to its include/).
const dnnlIncludeDirs = process.env.GRIDMIX_DNNL_INCLUDE ? [process.env.GRIDMIX_DNNL_INCLUDE] : ['/usr/include', '/usr/local/include'];
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

/** DNNL_VERSION_MAJOR from dnnl_version.h, or undefined when it cannot be read. */
function dnnlMajorVersion(versionHeader) {
  try {
    const match = /#define\s+DNNL_VERSION_MAJOR\s+(\d+)/.exec(fs.readFileSync(versionHeader, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function compilerPath() {
  const fromEnv = process.env.CXX;
  for (const name of fromEnv ? [fromEnv] : ['g++', 'c++', 'clang++']) {
    const probe = spawnSync(name, ['--version'], { encoding: 'utf8' });
    if (probe.status === 0) return name;
  }
  return undefined;
}

function main() {
  if (process.env.GRIDMIX_NO_NATIVE_BUILD) return record('skipped: GRIDMIX_NO_NATIVE_BUILD is set; plain wasm');
  if (process.platform !== 'linux') return record(`skipped: native kernels are built on Linux only (this is ${process.platform}); plain wasm`);
  const compiler = compilerPath();
  if (!compiler) return record('skipped: no C++ compiler (g++/c++/clang++; apt-get install g++); plain wasm');
  const dnnlHeader = firstExisting(dnnlIncludeDirs.map((dir) => path.join(dir, 'oneapi', 'dnnl', 'dnnl.hpp')));
  if (!dnnlHeader) return record('skipped: oneDNN headers not found (apt-get install libdnnl-dev); plain wasm');
  const major = dnnlMajorVersion(path.join(path.dirname(dnnlHeader), 'dnnl_version.h'));
  if (major !== undefined && major !== 2) {
    return record(`skipped: oneDNN ${major}.x found; the addon is written for oneDNN 2.x (Debian 12's 2.6.3), whose convolution_forward::desc API 3.x removed; plain wasm`);
  }
  const dnnlInclude = path.dirname(path.dirname(path.dirname(dnnlHeader)));
  const dnnlLib = path.join(path.dirname(dnnlInclude), 'lib');
  const systemPrefix = ['/usr/include', '/usr/local/include'].includes(dnnlInclude);
  const nodeInclude = firstExisting([
    path.resolve(process.execPath, '..', '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter((dir) => fs.existsSync(path.join(dir, 'node_api.h'))));
  if (!nodeInclude) return record('skipped: Node.js headers (node_api.h) not found next to the node binary; plain wasm');
  fs.mkdirSync(buildDir, { recursive: true });
  const args = [
    '-O2', '-std=c++17', '-shared', '-fPIC', '-fopenmp', '-fvisibility=hidden',
    '-DNODE_GYP_MODULE_NAME=gridmix_native',
    `-I${nodeInclude}`, `-I${dnnlInclude}`,
    ...(systemPrefix ? [] : [`-L${dnnlLib}`, `-Wl,-rpath,${dnnlLib}`]),
    source, '-ldnnl', '-o', `${output}.tmp`,
  ];
  const build = spawnSync(compiler, args, { encoding: 'utf8' });
  if (build.status !== 0) {
    const why = (build.stderr || build.error?.message || '').split('\n').find((l) => /error/i.test(l)) ?? `exit ${build.status}`;
    return record(`skipped: the build failed (${why.trim()}); plain wasm`);
  }
  fs.renameSync(`${output}.tmp`, output);
  record(`built with ${compiler} against ${dnnlHeader}`);
}

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
