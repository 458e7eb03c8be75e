// Every experiment config shipped in configs/ loads, validates, and builds its model's shapes
// (folders starting with "_" hold partial configs that others extend; configs/cluster holds
// executor: blocks only, checked in test/experiments/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { loadConfig } from '../../src/config/load';
import { datasetShape } from '../../src/data/dataset-shapes';
import { countParameters } from '../../src/models/summary';
import { REPO } from '../helpers/cli';

function configFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name.startsWith('_') || e.name === 'cluster' ? [] : configFiles(full);
    return e.name.endsWith('.yaml') ? [full] : [];
  });
}

test('every shipped config is valid and its model builds', () => {
  const files = configFiles(path.join(REPO, 'configs'));
  assert.ok(files.length >= 50, `found ${files.length} configs`);
  const names = new Set<string>();
  for (const file of files) {
    const config = loadConfig(file);
    assert.ok(!names.has(config.name), `experiment name ${config.name} is used once (${file})`);
    names.add(config.name);
    const shape = datasetShape(config.dataset.name);
    const localHead = config.method.name === 'gridmix' && config.method.gamma > 0;
    const parameters = countParameters(config.backbone.name, { numClasses: shape.numClasses, inputSize: shape.height, inChannels: shape.channels, localHead });
    assert.ok(parameters > 0, file);
  }
});

test('the paper configs use the paper defaults: N = 4, p = 0.8, gamma = 0.15, batch 128 on CIFAR-100', () => {
  const config = loadConfig(path.join(REPO, 'configs/paper/table1/cifar100-vgg19_bn-gridmix.yaml'));
  assert.equal(config.method.grid, 4);
  assert.equal(config.method.p, 0.8);
  assert.equal(config.method.gamma, 0.15);
  assert.equal(config.training.batchSize, 128);
  assert.equal(config.backbone.name, 'vgg19_bn');
  assert.equal(config.dataset.name, 'cifar100');
  const wo = loadConfig(path.join(REPO, 'configs/paper/table1/cifar100-vgg19_bn-gridmix-wo.yaml'));
  assert.equal(wo.method.gamma, 0);
});
