import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cutmix, drawCutmix } from '../../src/mix/cutmix';
import { Rng } from '../../src/engine/rng';
import { useBackend } from '../helpers/backend';
import { assertLambdaMatchesPixels, assertNoLeak, constantBatch, disposeMixed, valueOf, type ConstantBatch } from './fixtures';

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`cutmix on ${backend}`, () => {
    let input: ConstantBatch;
    before(async () => {
      await useBackend(backend);
      input = constantBatch(8, 12, 10);
    });
    after(() => input.x.dispose());

    it('takes exactly the box from B and the rest from A; lambda and the soft label agree with the pixels', () => {
      const { height, width, channels } = input;
      for (let seed = 0; seed < 8; seed++) {
        const mixed = new Cutmix({ alpha: 1 }).mix(input.x, input.labels, input.numClasses, new Rng(seed));
        assert.ok(assertLambdaMatchesPixels(mixed, input, { binary: true }) > 0, 'no sample got a partner');
        const params = mixed.params;
        if (params.kind !== 'cutmix') throw new Error(`params of kind ${params.kind}`);
        const boxes = params.boxes;
        const pixels = mixed.x.dataSync();
        for (let i = 0; i < input.labels.length; i++) {
          const box = boxes[i];
          assert.ok(Math.abs(mixed.lambda[i] - (1 - ((box.x1 - box.x0) * (box.y1 - box.y0)) / (height * width))) < 1e-7);
          for (let h = 0; h < height; h++) {
            for (let w = 0; w < width; w++) {
              const inBox = h >= box.y0 && h < box.y1 && w >= box.x0 && w < box.x1;
              const source = inBox ? mixed.partner[i] : i;
              assert.equal(pixels[((i * height + h) * width + w) * channels], valueOf(source), `sample ${i} pixel (${h}, ${w})`);
            }
          }
        }
        disposeMixed(mixed);
      }
    });

    it('leaves no tensors behind', () => {
      assertNoLeak(() => disposeMixed(new Cutmix({ alpha: 1 }).mix(input.x, input.labels, input.numClasses, new Rng(3))));
    });
  });
}

describe('cutmix parameters', () => {
  it('one box and one lambda per batch, as in the reference code, inside the image', () => {
    const rng = new Rng(2);
    for (let k = 0; k < 100; k++) {
      const { boxes, lambda } = drawCutmix(rng, 6, 32, 32, 1);
      for (const box of boxes) assert.deepEqual(box, boxes[0]);
      assert.ok(lambda.every((l) => l === lambda[0]));
      const b = boxes[0];
      assert.ok(b.x0 >= 0 && b.x0 <= b.x1 && b.x1 <= 32 && b.y0 >= 0 && b.y0 <= b.y1 && b.y1 <= 32);
    }
  });

  it('same seed, same boxes; different seed, different boxes', () => {
    assert.deepEqual(drawCutmix(new Rng(4), 8, 32, 32, 1), drawCutmix(new Rng(4), 8, 32, 32, 1));
    assert.notDeepEqual(drawCutmix(new Rng(4), 8, 32, 32, 1), drawCutmix(new Rng(5), 8, 32, 32, 1));
  });
});
