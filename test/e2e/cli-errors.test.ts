// Bad input through the real command line: exit 1, one clear line naming what is wrong, no stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { gridmix, tempDir, writeConfig } from '../helpers/cli';

const GOOD = `
name: t
backend: cpu
dataset: { name: fashion-mnist-mini, trainLimit: 20, testLimit: 20 }
backbone: { name: resnet20 }
method: { name: gridmix }
training: { epochs: 1, batchSize: 10 }
`;

function expectOneLineError(args: string[], pattern: RegExp): void {
  const r = gridmix(args);
  assert.equal(r.code, 1, `exit code for ${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('(run with --help'));
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}

test('--help lists every verb', () => {
  const r = gridmix(['--help']);
  assert.equal(r.code, 0);
  for (const verb of ['train', 'ablate', 'eval', 'report', 'data', 'preview', 'bench', 'figure']) assert.match(r.stdout, new RegExp(`\\n\\s+${verb}\\b`));
});

test('bad configs and flags: one line each', () => {
  const dir = tempDir('cli');
  writeConfig(dir, 'good.yaml', GOOD);
  const bad = (name: string, patch: string) => writeConfig(dir, name, `extends: good.yaml\n${patch}\n`);
  expectOneLineError(['train', '--config', bad('p.yaml', 'method: { p: 1.5 }')], /method\.p: got 1\.5; expected a number in \(0, 1\]/);
  expectOneLineError(['train', '--config', bad('key.yaml', 'method: { gridd: 4 }')], /method\.gridd: unknown key; did you mean "grid"\?/);
  expectOneLineError(['train', '--config', bad('n.yaml', 'method: { grid: 29 }')], /grid: got 29; a grid cannot be finer than the 28x28 images of fashion-mnist-mini \(allowed: 1\.\.28/);
  expectOneLineError(['train', '--config', bad('gamma.yaml', 'method: { gamma: -0.1 }')], /method\.gamma: got -0\.1; expected a number >= 0/);
  expectOneLineError(['train', '--config', bad('bb.yaml', 'backbone: { name: resnet21 }')], /backbone\.name: unknown "resnet21"; did you mean "resnet20"\? \(pick one of: .*vgg19_bn/);
  expectOneLineError(['train', '--config', bad('ds.yaml', 'dataset: { name: cifar1000 }')], /dataset\.name: unknown "cifar1000".*pick one of: .*cifar100/);
  expectOneLineError(['train', '--config', bad('m.yaml', 'method: { name: mixcut }')], /method\.name: got "mixcut"; expected one of: baseline, mixup, cutmix, gridmix/);
  expectOneLineError(['train', '--config', bad('e.yaml', 'training: { epochs: 0 }')], /training\.epochs: got 0; expected a number of epochs \(a positive integer\)/);
  expectOneLineError(['train', '--config', bad('b.yaml', 'training: { batchSize: 1.5 }')], /training\.batchSize: got 1\.5; expected a batch size/);
  const yaml = writeConfig(dir, 'syntax.yaml', 'name: x\nmethod: {name: gridmix\n');
  expectOneLineError(['train', '--config', yaml], /YAML syntax error in .*syntax\.yaml line \d+/);
  writeConfig(dir, 'c1.yaml', 'extends: c2.yaml\n');
  writeConfig(dir, 'c2.yaml', 'extends: c1.yaml\n');
  expectOneLineError(['train', '--config', path.join(dir, 'c1.yaml')], /extends cycle/);
  expectOneLineError(['train', '--config', path.join(dir, 'missing.yaml')], /cannot read config .*missing\.yaml: no such file/);
  expectOneLineError(['train', '--config', path.join(dir, 'good.yaml'), '--epochs', 'abc'], /--epochs expects a positive integer, got "abc"/);
  expectOneLineError(['train', '--config', path.join(dir, 'good.yaml'), '--backend', 'gpu'], /^gridmix: --backend: "gpu" is not allowed; use one of: auto, tensorflow, webgpu, wasm, cpu$/);
});

test('--resume with no checkpoint, a missing dataset, and an unwritable results folder', () => {
  const dir = tempDir('cli');
  const good = writeConfig(dir, 'good.yaml', GOOD);
  expectOneLineError(['train', '--config', good, '--out', path.join(dir, 'r'), '--resume'], /--resume: no checkpoint in .*r\/seed-0 \(nothing to resume/);
  const empty = path.join(dir, 'empty');
  fs.mkdirSync(empty);
  const missing = writeConfig(dir, 'missing-data.yaml', `extends: good.yaml\ndataset: { name: cifar10, root: ${empty} }\n`);
  expectOneLineError(['train', '--config', missing, '--out', path.join(dir, 'r2')], /dataset "cifar10" not found; looked in: .*empty/);
  const file = path.join(dir, 'a-file');
  fs.writeFileSync(file, 'x');
  expectOneLineError(['train', '--config', good, '--out', path.join(file, 'sub')], /cannot (write|create) .*a-file/);
});
