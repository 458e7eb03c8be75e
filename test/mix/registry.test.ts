// One suite over every registered method: shapes, dtypes, soft targets that sum to 1, the
// lambda/pixel contract, determinism and no tensor leak. A new entry is tested for free.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MIX_METHOD_NAMES, createMixMethod } from '../../src/mix/registry';
import { UserError } from '../../src/errors';
import { Rng } from '../../src/engine/rng';
import { useBackend } from '../helpers/backend';
import { assertLambdaMatchesPixels, assertNoLeak, constantBatch, disposeMixed, type ConstantBatch } from './fixtures';

describe('createMixMethod', () => {
  it('knows the four methods', () => {
    assert.deepEqual(MIX_METHOD_NAMES, ['baseline', 'mixup', 'cutmix', 'gridmix']);
  });

  it('refuses an unknown name with the list to pick from', () => {
    assert.throws(() => createMixMethod({ method: 'cutout' }), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.equal(err.message, 'unknown method "cutout"; pick one of: baseline, mixup, cutmix, gridmix');
      return true;
    });
    // Not fooled by names every object has.
    assert.throws(() => createMixMethod({ method: 'toString' }), UserError);
  });

  it('fills the paper\'s defaults', () => {
    const gridmix = createMixMethod({ method: 'gridmix' });
    assert.deepEqual(gridmix.gridSizes, [4]);
    assert.equal(gridmix.localLossWeight, 0.15);
    assert.equal(gridmix.needsLocalHead, true);
    assert.deepEqual(createMixMethod({ method: 'gridmix', grid: 'random' }).gridSizes, [2, 4, 8]);
    assert.equal(createMixMethod({ method: 'gridmix', gamma: 0 }).needsLocalHead, false);
    for (const name of ['baseline', 'mixup', 'cutmix']) {
      const method = createMixMethod({ method: name });
      assert.equal(method.name, name);
      assert.equal(method.needsLocalHead, false);
      assert.equal(method.localLossWeight, 0);
      assert.deepEqual(method.gridSizes, []);
    }
  });

  it('refuses values that make no sense, naming the key and what is allowed', () => {
    const bad = [
      [{ method: 'mixup', alpha: -1 }, /^mixup alpha: -1 is not allowed; use a number >= 0$/],
      [{ method: 'cutmix', alpha: 0 }, /^cutmix alpha: 0 is not allowed/],
      [{ method: 'gridmix', p: 1.5 }, /^gridmix p: 1.5 is not allowed; use a number in \[0, 1\]$/],
      [{ method: 'gridmix', gamma: -0.1 }, /^gridmix gamma/],
      [{ method: 'gridmix', grid: 2.5 }, /^gridmix grid: 2.5 is not allowed; use an integer >= 1 or "random"$/],
      [{ method: 'gridmix', grid: 'random', gridChoices: [] }, /^gridmix gridChoices/],
    ] as const;
    for (const [config, message] of bad) {
      assert.throws(() => createMixMethod(config), (err: unknown) => err instanceof UserError && message.test(err.message));
    }
  });
});

const CONFIGS = [
  { method: 'baseline' },
  { method: 'mixup' },
  { method: 'cutmix' },
  { method: 'gridmix' },
  { method: 'gridmix', grid: 'random' as const },
  { method: 'gridmix', grid: 3, gamma: 0 },
];

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`every method on ${backend}`, () => {
    let input: ConstantBatch;
    before(async () => {
      await useBackend(backend);
      input = constantBatch(6, 16, 16);
    });
    after(() => input.x.dispose());

    for (const config of CONFIGS) {
      it(`${JSON.stringify(config)}: shapes, soft targets, lambda contract, determinism, no leak`, () => {
        const method = createMixMethod(config);
        const mixed = method.mix(input.x, input.labels, input.numClasses, new Rng(17));
        assert.deepEqual(mixed.x.shape, input.x.shape);
        assert.equal(mixed.x.dtype, 'float32');
        assert.deepEqual(mixed.yGlobal.shape, [6, input.numClasses]);
        for (const row of mixed.yGlobal.arraySync()) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-6);
        assert.equal(mixed.lambda.length, 6);
        assert.equal(mixed.partner.length, 6);
        assert.deepEqual([...mixed.partner].sort(), [0, 1, 2, 3, 4, 5], 'the pairing is a permutation');
        assertLambdaMatchesPixels(mixed, input, { binary: config.method !== 'mixup' });
        assert.equal(mixed.yPatch !== undefined, config.method === 'gridmix');
        if (mixed.yPatch) assert.ok(method.gridSizes.includes(mixed.grid!));

        const again = method.mix(input.x, input.labels, input.numClasses, new Rng(17));
        assert.deepEqual(Array.from(again.x.dataSync()), Array.from(mixed.x.dataSync()), 'same seed, same batch');
        assert.deepEqual(again.params, mixed.params);
        disposeMixed(again);
        disposeMixed(mixed);

        assertNoLeak(() => disposeMixed(method.mix(input.x, input.labels, input.numClasses, new Rng(18))));
        assert.equal(input.x.isDisposed, false);
      });
    }
  });
}

describe('the drawn parameters do not depend on the backend', () => {
  it('same seed on wasm and cpu: same pairing, lambda, masks and boxes, and the same pixels', async () => {
    const run = async (backend: 'wasm' | 'cpu') => {
      await useBackend(backend);
      const input = constantBatch(6, 12, 12, 2);
      const out = CONFIGS.map((config) => {
        const mixed = createMixMethod(config).mix(input.x, input.labels, input.numClasses, new Rng(99));
        const summary = { params: mixed.params, partner: mixed.partner, lambda: mixed.lambda, pixels: Array.from(mixed.x.dataSync()) };
        disposeMixed(mixed);
        return summary;
      });
      input.x.dispose();
      return out;
    };
    const onCpu = await run('cpu');
    const onWasm = await run('wasm');
    CONFIGS.forEach((config, k) => {
      assert.deepEqual(onWasm[k].params, onCpu[k].params, JSON.stringify(config));
      assert.deepEqual(onWasm[k].partner, onCpu[k].partner);
      assert.deepEqual(onWasm[k].lambda, onCpu[k].lambda);
      onWasm[k].pixels.forEach((v, i) => assert.ok(Math.abs(v - onCpu[k].pixels[i]) < 1e-5, `${config.method} pixel ${i}`));
    });
  });
});
