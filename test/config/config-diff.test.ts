import { test } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import { configToYaml } from '../../src/config/load';
import { diffResolvedConfigs, differencesResumeRefuses, formatConfigDifferences } from '../../src/config/config-diff';
import { validateConfig } from '../../src/config/validate';

const planned = () =>
  validateConfig(
    {
      name: 'x',
      dataset: { name: 'fashion-mnist-mini', trainLimit: 100 },
      backbone: { name: 'resnet20' },
      method: { name: 'gridmix', p: 0.8 },
      training: { epochs: 2, schedule: { type: 'step', milestones: [1] } },
    },
    'test',
  );

test('the saved config.yaml of a run compares equal to the config it was written from', () => {
  const config = planned();
  assert.deepEqual(diffResolvedConfigs(YAML.parse(configToYaml(config)), config), []);
});

test('every changed key is named with its dotted path, saved and planned values', () => {
  const saved = YAML.parse(configToYaml(planned()));
  const now = planned();
  now.method.p = 0.5;
  now.dataset.trainLimit = undefined;
  now.training.schedule.milestones = [1, 2];
  now.backbone.name = 'vgg_small';
  assert.deepEqual(diffResolvedConfigs(saved, now), [
    { key: 'backbone.name', saved: 'resnet20', planned: 'vgg_small' },
    { key: 'dataset.trainLimit', saved: 100, planned: undefined },
    { key: 'method.p', saved: 0.8, planned: 0.5 },
    { key: 'training.schedule.milestones', saved: [1], planned: [1, 2] },
  ]);
  assert.equal(
    formatConfigDifferences(diffResolvedConfigs(saved, now)),
    'backbone.name: "resnet20" -> "vgg_small", dataset.trainLimit: 100 -> (absent), method.p: 0.8 -> 0.5, training.schedule.milestones: [1] -> [1,2]',
  );
});

test('defaults added to the schema since a run was saved, and where-the-runs-go keys, are no difference', () => {
  const saved = YAML.parse(configToYaml(planned()));
  delete saved.native; // a config.yaml from before the key existed: its default is what the run used
  delete saved.training.workers;
  const now = { ...planned(), output: '/elsewhere', seeds: [0, 1, 2], sweep: { p: [0.5] } };
  assert.deepEqual(diffResolvedConfigs(saved, now), []);
});

test('a resume takes a grown training.epochs and refuses a shrunk one and every other change', () => {
  const saved = YAML.parse(configToYaml(planned()));
  const grown = planned();
  grown.training.epochs = 5;
  assert.equal(diffResolvedConfigs(saved, grown).length, 1);
  assert.deepEqual(differencesResumeRefuses(diffResolvedConfigs(saved, grown)), []);
  const shrunk = planned();
  shrunk.training.epochs = 1;
  assert.deepEqual(differencesResumeRefuses(diffResolvedConfigs(saved, shrunk)).map((d) => d.key), ['training.epochs']);
  grown.training.batchSize = 64;
  assert.deepEqual(differencesResumeRefuses(diffResolvedConfigs(saved, grown)).map((d) => d.key), ['training.batchSize']);
});
