import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { boxArea, lambdaOutsideBox, rowsCrossingBoxes, sampleCutBox } from '../../src/mix/cut-box';
import { Rng } from '../../src/engine/rng';

describe('CutMix box geometry', () => {
  it('every box lies inside the image and lambda is 1 - box area / image area', () => {
    const rng = new Rng(5);
    for (const [height, width] of [[32, 32], [28, 28], [7, 13]]) {
      for (let k = 0; k < 500; k++) {
        const lambda = rng.uniform();
        const box = sampleCutBox(rng, lambda, height, width);
        assert.ok(box.x0 >= 0 && box.x0 <= box.x1 && box.x1 <= width, JSON.stringify(box));
        assert.ok(box.y0 >= 0 && box.y0 <= box.y1 && box.y1 <= height, JSON.stringify(box));
        assert.equal(lambdaOutsideBox(box, height, width), 1 - boxArea(box) / (height * width));
        // Clipping only shrinks: the box never takes more than the (1 - lambda) it was drawn for
        // plus the rounding of its sides to even lengths.
        assert.ok(boxArea(box) <= (1 - lambda) * height * width + height + width);
      }
    }
  });

  it('follows the reference geometry: side floor(W * sqrt(1 - lambda)), floor(cut / 2) each side of the centre', () => {
    // lambda = 0.75 on 32 x 32: cut = floor(32 * 0.5) = 16, half = 8; a centre far from the edges keeps the full 16 x 16.
    for (let seed = 0; seed < 50; seed++) {
      const box = sampleCutBox(new Rng(seed), 0.75, 32, 32);
      const cx = (box.x0 + box.x1) / 2;
      const cy = (box.y0 + box.y1) / 2;
      if (box.x0 > 0 && box.x1 < 32) assert.equal(box.x1 - box.x0, 16);
      if (box.y0 > 0 && box.y1 < 32) assert.equal(box.y1 - box.y0, 16);
      assert.ok(cx >= 0 && cx < 32 && cy >= 0 && cy < 32);
    }
  });

  it('lambda 1 cuts nothing', () => {
    const box = sampleCutBox(new Rng(1), 1, 32, 32);
    assert.equal(boxArea(box), 0);
    assert.equal(lambdaOutsideBox(box, 32, 32), 1);
  });

  it('marks the rows each box crosses', () => {
    const boxes = [{ x0: 1, y0: 0, x1: 3, y1: 2 }, { x0: 0, y0: 2, x1: 4, y1: 4 }, { x0: 2, y0: 1, x1: 2, y1: 1 }];
    assert.deepEqual(Array.from(rowsCrossingBoxes(boxes, 4)), [1, 1, 0, 0, /**/ 0, 0, 1, 1, /**/ 0, 0, 0, 0]);
  });
});
