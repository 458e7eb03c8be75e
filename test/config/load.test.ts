import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../src/config/load';
import { UserError } from '../../src/errors';
import { printDryRun } from '../../src/train/dry-run';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gridmix-config-'));
}

const BASE = `
name: base
dataset: { name: fashion-mnist-mini }
backbone: { name: resnet20 }
method: { name: gridmix }
training: { epochs: 3, batchSize: 32, optimizer: { lr: 0.05 } }
`;

function expectUserError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), 'the message is one line');
    return true;
  });
}

test('defaults are filled in and the paper defaults hold', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'base.yaml'), BASE);
  const config = loadConfig(path.join(dir, 'base.yaml'));
  assert.equal(config.method.grid, 4);
  assert.equal(config.method.p, 0.8);
  assert.equal(config.method.gamma, 0.15);
  assert.equal(config.training.optimizer.lr, 0.05);
  assert.equal(config.training.optimizer.momentum, 0.9);
  assert.equal(config.backend, 'auto');
  assert.equal(config.native, true, 'native kernels on unless turned off');
});

test('extends merges objects and the child wins; overrides win over both', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'base.yaml'), BASE);
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'sub', 'child.yaml'), 'extends: ../base.yaml\nname: child\nmethod: { p: 0.5, grid: random }\n');
  const config = loadConfig(path.join(dir, 'sub', 'child.yaml'), { epochs: 7, seed: 3, backend: 'cpu', out: '/tmp/x' });
  assert.equal(config.name, 'child');
  assert.equal(config.method.name, 'gridmix');
  assert.equal(config.method.p, 0.5);
  assert.equal(config.method.grid, 'random');
  assert.equal(config.training.batchSize, 32);
  assert.equal(config.training.epochs, 7);
  assert.equal(config.seed, 3);
  assert.equal(config.backend, 'cpu');
  assert.equal(config.output, '/tmp/x');
});

test('bad configs give one line naming the key, the value and what is allowed', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'base.yaml'), BASE);
  const cases: [string, RegExp][] = [
    ['method: { p: 1.5 }', /method\.p: got 1\.5; expected a number in \(0, 1\]/],
    ['method: { p: 0 }', /method\.p: got 0; expected a number in \(0, 1\]/],
    ['method: { gamma: -1 }', /method\.gamma: got -1; expected a number >= 0/],
    ['method: { grid: 0 }', /method\.grid: got 0; expected a positive integer grid size N or "random"/],
    ['method: { name: fancymix }', /method\.name: got "fancymix"; expected one of: baseline, mixup, cutmix, gridmix/],
    ['training: { epochs: 2.5 }', /training\.epochs: got 2\.5; expected a number of epochs \(a positive integer\)/],
    ['training: { batchSize: 0 }', /training\.batchSize: got 0; expected a batch size/],
    ['trainng: { epochs: 2 }', /trainng: unknown key; did you mean "training"\?/],
    ['method: { gama: 0.1 }', /method\.gama: unknown key; did you mean "gamma"\?/],
    ['backend: gpu', /backend: got "gpu"; expected one of: auto, tensorflow, webgpu, wasm, cpu/],
    ['native: maybe', /native: got "maybe"; expected true or false/],
    ['native: 1', /native: got 1; expected true or false/],
  ];
  for (const [patch, pattern] of cases) {
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, `extends: base.yaml\n${patch}\n`);
    expectUserError(() => loadConfig(file), pattern);
  }
});

test('native: --no-native (override false) turns it off; no override leaves the file\'s value', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'base.yaml'), BASE);
  fs.writeFileSync(path.join(dir, 'off.yaml'), 'extends: base.yaml\nnative: false\n');
  assert.equal(loadConfig(path.join(dir, 'base.yaml'), { native: false }).native, false);
  assert.equal(loadConfig(path.join(dir, 'off.yaml')).native, false);
  assert.equal(loadConfig(path.join(dir, 'off.yaml'), { native: undefined }).native, false);
});

test('a missing required section is named', () => {
  const dir = tempDir();
  const file = path.join(dir, 'x.yaml');
  fs.writeFileSync(file, 'name: x\ndataset: { name: cifar10 }\nbackbone: { name: resnet20 }\nmethod: { name: mixup }\n');
  expectUserError(() => loadConfig(file), /training: missing \(required\)/);
});

test('YAML syntax errors give the line number', () => {
  const dir = tempDir();
  const file = path.join(dir, 'broken.yaml');
  fs.writeFileSync(file, 'name: x\nmethod:\n  name: [gridmix\n  p: 0.8\n');
  expectUserError(() => loadConfig(file), /YAML syntax error in .*broken\.yaml line \d+/);
});

test('an extends cycle is refused, naming the chain', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'a.yaml'), 'extends: b.yaml\n');
  fs.writeFileSync(path.join(dir, 'b.yaml'), 'extends: a.yaml\n');
  expectUserError(() => loadConfig(path.join(dir, 'a.yaml')), /extends cycle: .*a\.yaml -> .*b\.yaml -> .*a\.yaml/);
});

test('a missing config file is a clear error', () => {
  expectUserError(() => loadConfig('/nonexistent/x.yaml'), /cannot read config \/nonexistent\/x\.yaml: no such file/);
});

test('dataset.imageSize: validated, only for the folder datasets, defaulted into the resolved config', async () => {
  const dir = tempDir();
  const write = (name: string, dataset: string, extra = '') => {
    const file = path.join(dir, `${name}.yaml`);
    fs.writeFileSync(file, `name: ${name}\ndataset: ${dataset}\nbackbone: { name: resnet20 }\nmethod: { name: gridmix${extra} }\ntraining: { epochs: 1 }\n`);
    return file;
  };
  // The resolved config carries the size (config.yaml records it); a fixed-size dataset has none.
  assert.equal(loadConfig(write('cub', '{ name: cub200 }')).dataset.imageSize, 224);
  assert.equal(loadConfig(write('tiny', '{ name: tiny-imagenet }')).dataset.imageSize, 64);
  assert.equal(loadConfig(write('imagenet', '{ name: imagenet, imageSize: 160 }')).dataset.imageSize, 160);
  assert.equal(loadConfig(write('cifar', '{ name: cifar100 }')).dataset.imageSize, undefined);

  const bad: [string, string, RegExp][] = [
    ['{ name: cub200, imageSize: 0 }', '', /dataset\.imageSize: got 0; expected an image side in pixels \(an integer from 8 to 1024\)/],
    ['{ name: cub200, imageSize: 64.5 }', '', /dataset\.imageSize: got 64\.5; expected an image side in pixels/],
    ['{ name: cub200, imageSize: big }', '', /dataset\.imageSize: got "big"; expected an image side in pixels/],
    ['{ name: imagenet, imageSize: 4096 }', '', /dataset\.imageSize: got 4096; expected an image side in pixels \(an integer from 8 to 1024\)/],
    ['{ name: cifar100, imageSize: 64 }', '', /dataset\.imageSize: cifar100 has one size \(32x32\); imageSize is for the folder datasets \(tiny-imagenet, imagenet, cub200\)$/],
    ['{ name: fashion-mnist-mini, imageSize: 28 }', '', /dataset\.imageSize: fashion-mnist-mini has one size \(28x28\)/],
    // The grid rule reads the chosen size: 16 cells do not fit an 8-pixel side.
    ['{ name: tiny-imagenet, imageSize: 8 }', ', grid: 16', /method\.grid: got 16; a grid cannot be finer than the 8x8 images of tiny-imagenet/],
  ];
  for (const [dataset, extra, pattern] of bad) expectUserError(() => loadConfig(write('bad', dataset, extra)), pattern);
  // A size the backbone cannot take is found before any data is read.
  const vgg = path.join(dir, 'vgg.yaml');
  fs.writeFileSync(vgg, 'name: vgg\ndataset: { name: cub200, imageSize: 16 }\nbackbone: { name: vgg16_bn }\nmethod: { name: baseline }\ntraining: { epochs: 1 }\n');
  expectUserError(() => loadConfig(vgg), /dataset\.imageSize: got 16; backbone "vgg16_bn" cannot take 16x16 inputs/);
  // The dry run describes the model at the chosen size.
  const lines: string[] = [];
  await printDryRun(loadConfig(write('dry', '{ name: cub200, imageSize: 48 }')), (line) => lines.push(line));
  assert.match(lines[0], /resnet20 on cub200 \(48x48x3, 200 classes\)/);
});
