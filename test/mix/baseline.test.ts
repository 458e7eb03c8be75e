import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Baseline } from '../../src/mix/baseline';
import { Rng } from '../../src/engine/rng';
import { useBackend } from '../helpers/backend';
import { assertLambdaMatchesPixels, assertNoLeak, constantBatch, disposeMixed, type ConstantBatch } from './fixtures';

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`baseline on ${backend}`, () => {
    let input: ConstantBatch;
    before(async () => {
      await useBackend(backend);
      input = constantBatch(6, 8, 8);
    });
    after(() => input.x.dispose());

    it('returns the images unchanged with one-hot targets and lambda 1', () => {
      const mixed = new Baseline().mix(input.x, input.labels, input.numClasses, new Rng(1));
      assert.deepEqual(Array.from(mixed.x.dataSync()), Array.from(input.x.dataSync()));
      assert.notEqual(mixed.x, input.x, 'a separate tensor, so the caller may dispose both');
      assert.deepEqual(Array.from(mixed.lambda), [1, 1, 1, 1, 1, 1]);
      assert.deepEqual(Array.from(mixed.partner), [0, 1, 2, 3, 4, 5]);
      assert.deepEqual(Array.from(mixed.dominantLabel), Array.from(input.labels));
      assertLambdaMatchesPixels(mixed, input, { binary: true });
      assert.equal(mixed.yPatch, undefined);
      assert.deepEqual(mixed.params, { kind: 'baseline' });
      disposeMixed(mixed);
    });

    it('leaves no tensors behind and does not dispose its input', () => {
      assertNoLeak(() => disposeMixed(new Baseline().mix(input.x, input.labels, input.numClasses, new Rng(1))));
      assert.equal(input.x.isDisposed, false);
    });
  });
}
