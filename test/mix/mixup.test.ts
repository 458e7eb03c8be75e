import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Mixup, drawMixup } from '../../src/mix/mixup';
import { Rng } from '../../src/engine/rng';
import { useBackend } from '../helpers/backend';
import { assertLambdaMatchesPixels, assertNoLeak, constantBatch, disposeMixed, type ConstantBatch } from './fixtures';

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`mixup on ${backend}`, () => {
    let input: ConstantBatch;
    before(async () => {
      await useBackend(backend);
      input = constantBatch(8, 6, 5);
    });
    after(() => input.x.dispose());

    it('mixes every pixel and the soft label with the same lambda, one lambda per batch', () => {
      for (let seed = 0; seed < 5; seed++) {
        const mixed = new Mixup({ alpha: 1 }).mix(input.x, input.labels, input.numClasses, new Rng(seed));
        assert.ok(assertLambdaMatchesPixels(mixed, input, { binary: false }) > 0, 'no sample got a partner');
        assert.ok(mixed.lambda.every((l) => l === mixed.lambda[0]), 'lambda differs within the batch');
        assert.ok(mixed.lambda[0] > 0 && mixed.lambda[0] < 1);
        disposeMixed(mixed);
      }
    });

    it('leaves no tensors behind', () => {
      assertNoLeak(() => disposeMixed(new Mixup({ alpha: 1 }).mix(input.x, input.labels, input.numClasses, new Rng(3))));
    });
  });
}

describe('mixup parameters', () => {
  before(() => useBackend('cpu'));

  it('with alpha -> 0 returns the originals: lambda ~ 1 gives A, lambda ~ 0 gives B, and the label agrees', () => {
    const input = constantBatch(4, 3, 3, 1);
    const seen = new Set<string>();
    for (let seed = 0; seed < 30; seed++) {
      const mixed = new Mixup({ alpha: 1e-4 }).mix(input.x, input.labels, input.numClasses, new Rng(seed));
      const lambda = mixed.lambda[0];
      assert.ok(lambda < 1e-3 || lambda > 1 - 1e-3, `lambda ${lambda} is not near 0 or 1`);
      const whole = lambda > 0.5 ? 'A' : 'B';
      seen.add(whole);
      const pixels = mixed.x.arraySync();
      const targets = mixed.yGlobal.arraySync();
      for (let i = 0; i < 4; i++) {
        const source = whole === 'A' ? i : mixed.partner[i];
        assert.ok(Math.abs(pixels[i][0][0][0] - (source + 1)) < 1e-2, `sample ${i} should be image ${source}`);
        assert.ok(targets[i][input.labels[source]] > 0.999, `sample ${i}'s label should be ${input.labels[source]}`);
        assert.equal(mixed.dominantLabel[i], input.labels[source]);
      }
      disposeMixed(mixed);
    }
    assert.deepEqual([...seen].sort(), ['A', 'B'], 'both ends of Beta(1e-4, 1e-4) should occur in 30 draws');
    input.x.dispose();
  });

  it('alpha = 0 means no mixing (lambda 1), as in the reference code', () => {
    const { lambda } = drawMixup(new Rng(1), 5, 0);
    assert.deepEqual(Array.from(lambda), [1, 1, 1, 1, 1]);
  });

  it('same seed, same draw; different seed, different draw', () => {
    const a = drawMixup(new Rng(7), 16, 1);
    const b = drawMixup(new Rng(7), 16, 1);
    const c = drawMixup(new Rng(8), 16, 1);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('lambda follows Beta(alpha, alpha): mean 1/2, variance 1/(4(2 alpha + 1))', () => {
    const rng = new Rng(11);
    const draws = Array.from({ length: 4000 }, () => drawMixup(rng, 1, 0.5).lambda[0]);
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const variance = draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length;
    assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1 / 8) < 0.01, `variance ${variance}`);
  });
});
