import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeMixedSamples } from '../../src/mix/mix-record';
import { createMixMethod } from '../../src/mix/registry';
import { Rng } from '../../src/engine/rng';
import { useBackend } from '../helpers/backend';
import { constantBatch, disposeMixed } from './fixtures';

describe('preview records', () => {
  before(() => useBackend('cpu'));

  it('GridMix: partner, lambda, labels, the N x N mask and its patch labels, as plain JSON', () => {
    const input = constantBatch(4, 8, 8, 1);
    const mixed = createMixMethod({ method: 'gridmix', grid: 2 }).mix(input.x, input.labels, input.numClasses, new Rng(2));
    const records = describeMixedSamples(mixed, input.labels);
    const patch = mixed.yPatch!.arraySync();
    records.forEach((record, i) => {
      assert.equal(record.index, i);
      assert.equal(record.partner, mixed.partner[i]);
      assert.equal(record.labelB, input.labels[mixed.partner[i]]);
      assert.equal(record.lambda, mixed.lambda[i]);
      assert.equal(record.mask!.length, 2);
      assert.equal(record.mask!.flat().reduce((a, b) => a + b, 0) / 4, record.lambda); // 2 divides 8
      assert.deepEqual(record.patchLabels, patch[i]);
      assert.equal(record.box, undefined);
    });
    assert.deepEqual(JSON.parse(JSON.stringify(records)), records);
    disposeMixed(mixed);
    input.x.dispose();
  });

  it('CutMix: the box; MixUp: neither box nor mask', () => {
    const input = constantBatch(3, 8, 8, 1);
    const cut = createMixMethod({ method: 'cutmix' }).mix(input.x, input.labels, input.numClasses, new Rng(2));
    for (const record of describeMixedSamples(cut, input.labels)) {
      const { x0, y0, x1, y1 } = record.box!;
      assert.ok(Math.abs(record.lambda - (1 - ((x1 - x0) * (y1 - y0)) / 64)) < 1e-7);
      assert.equal(record.mask, undefined);
    }
    const mix = createMixMethod({ method: 'mixup' }).mix(input.x, input.labels, input.numClasses, new Rng(2));
    for (const record of describeMixedSamples(mix, input.labels)) assert.equal(record.box ?? record.mask, undefined);
    disposeMixed(cut);
    disposeMixed(mix);
    input.x.dispose();
  });
});
