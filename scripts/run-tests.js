#!/usr/bin/env node
// The two test suites, after `tsc` has built dist/: `npm test` runs the fast default suite,
// `npm run test:all` (what .ci/run runs) runs every test. Which tests are "long" is decided here
// and nowhere else: LONG names the test files the fast suite leaves out (the end-to-end runs that
// train several models through the command line, kill and resume them, start worker threads or
// time benchmarks: over ~10 s of CPU each). A new test file joins the fast suite by being there; it
// joins the long one by adding its path below. A name here that matches no file is an error, so
// the list cannot silently go stale.
//
// Usage: node scripts/run-tests.js [--all] [--list] [node --test options, e.g. --test-name-pattern=...]
// (--list prints the chosen test files, one a line, and runs nothing)
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** Test files (under test/, as in the source tree) that only `npm run test:all` runs. */
const LONG = [
  'bench/bench-cli.test.ts',
  'e2e/eval-localization.test.ts',
  'e2e/faults.test.ts',
  'e2e/native-flag.test.ts',
  'e2e/resume-config.test.ts',
  'e2e/signals-and-pipes.test.ts',
  'e2e/train-report.test.ts',
  'tensorflow/cli.test.ts',
  'train/data-parallel-cli.test.ts',
  'train/data-parallel.test.ts',
  'webgpu/cli.test.ts',
];

const root = path.resolve(__dirname, '..');

function testFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(full);
    return entry.name.endsWith('.test.ts') ? [path.relative(path.join(root, 'test'), full).split(path.sep).join('/')] : [];
  });
}

const args = process.argv.slice(2);
const all = args.includes('--all');
const list = args.includes('--list');
const passOn = args.filter((a) => a !== '--all' && a !== '--list');
const sources = testFiles(path.join(root, 'test')).sort();
const stale = LONG.filter((file) => !sources.includes(file));
if (stale.length > 0) {
  console.error(`scripts/run-tests.js: LONG names test files that do not exist: ${stale.join(', ')}`);
  process.exit(1);
}
const chosen = all ? sources : sources.filter((file) => !LONG.includes(file));
if (list) {
  console.log(chosen.join('\n'));
  process.exit(0);
}
const compiled = chosen.map((file) => path.join(root, 'dist', 'test', file.replace(/\.ts$/, '.js')));
const missing = compiled.filter((file) => !fs.existsSync(file));
if (missing.length > 0) {
  console.error(`scripts/run-tests.js: not built (run tsc first): ${missing.map((f) => path.relative(root, f)).join(', ')}`);
  process.exit(1);
}
const started = Date.now();
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...passOn, ...compiled], { cwd: root, stdio: 'inherit' });
const minutes = ((Date.now() - started) / 60000).toFixed(1);
console.log(
  all
    ? `test suite: all ${sources.length} test files (${minutes} min)`
    : `test suite: the fast ${chosen.length} of ${sources.length} test files (${minutes} min); \`npm run test:all\` also runs the ${LONG.length} long ones`,
);
// Which backends the per-backend tests ran on (a listed backend that failed to start failed its
// tests above), so the log's last lines say it.
const backends = spawnSync(process.execPath, [path.join(root, 'dist/test/helpers/list-backends.js')], { cwd: root, encoding: 'utf8' });
const backendsLine = backends.stdout.split('\n').find((l) => l.startsWith('backends:'));
console.log(backendsLine ?? `backends: could not be listed (${(backends.stderr || '').trim().split('\n').pop()})`);
process.exit(run.status ?? 1);
