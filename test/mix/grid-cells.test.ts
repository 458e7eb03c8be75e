import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cellIndexMap, cellSizes, drawGridMasks, patchLabels, pixelShareOfA } from '../../src/mix/grid-cells';
import { Rng } from '../../src/engine/rng';

describe('GridMix cell geometry', () => {
  it('cell i covers floor(i*H/N) .. floor((i+1)*H/N) - 1, sides differing by at most one pixel', () => {
    for (const [size, grid] of [[28, 3], [28, 7], [28, 14], [32, 3], [32, 7], [32, 4], [28, 4], [5, 5]]) {
      const map = cellIndexMap(size, grid);
      for (let h = 0; h < size; h++) {
        const i = map[h];
        assert.ok(Math.floor((i * size) / grid) <= h && h < Math.floor(((i + 1) * size) / grid), `size ${size}, N ${grid}, row ${h}`);
      }
      const sizes = Array.from(cellSizes(size, grid));
      assert.equal(sizes.reduce((a, b) => a + b, 0), size);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${sizes}`);
    }
  });

  it('hand-checked splits', () => {
    assert.deepEqual(Array.from(cellSizes(28, 3)), [9, 9, 10]);
    assert.deepEqual(Array.from(cellSizes(32, 7)), [4, 5, 4, 5, 4, 5, 5]);
    assert.deepEqual(Array.from(cellSizes(28, 14)), new Array(14).fill(2));
    assert.deepEqual(Array.from(cellIndexMap(7, 3)), [0, 0, 1, 1, 2, 2, 2]);
  });

  it('refuses a grid finer than the image', () => {
    assert.throws(() => cellIndexMap(8, 9), /does not fit/);
    assert.throws(() => cellSizes(8, 0), /does not fit/);
  });
});

describe('GridMix lambda (pixel share of A)', () => {
  it('equals sum(M) / N^2 when N divides the image', () => {
    const masks = drawGridMasks(new Rng(3), 20, 4, 0.6);
    const lambda = pixelShareOfA(masks, 4, 32, 32);
    for (let b = 0; b < 20; b++) {
      const kept = masks.subarray(b * 16, (b + 1) * 16).reduce((a, m) => a + m, 0);
      assert.equal(lambda[b], Math.fround(kept / 16));
    }
  });

  it('weighs the cells by their area when N does not divide the image', () => {
    // 3 x 3 on 28 x 28: sides 9, 9, 10. Keeping only the bottom-right cell keeps 10 * 10 = 100 of 784 pixels
    // (the cell count would say 1/9 = 87.1 pixels); keeping the top-left cell keeps 81.
    const bottomRight = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const topLeft = Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.equal(pixelShareOfA(bottomRight, 3, 28, 28)[0], Math.fround(100 / 784));
    assert.equal(pixelShareOfA(topLeft, 3, 28, 28)[0], Math.fround(81 / 784));
    // Non-square: 2 x 2 on 3 x 5 (rows 1, 2; columns 2, 3); top-right cell = 1 * 3 pixels of 15.
    assert.equal(pixelShareOfA(Uint8Array.from([0, 1, 0, 0]), 2, 3, 5)[0], Math.fround(3 / 15));
  });

  it('cells are Bernoulli(p): the mean share is p', () => {
    const rng = new Rng(9);
    for (const p of [0.5, 0.8]) {
      const masks = drawGridMasks(rng, 2000, 4, p);
      const mean = masks.reduce((a, m) => a + m, 0) / masks.length;
      assert.ok(Math.abs(mean - p) < 0.01, `p ${p}: mean ${mean}`);
    }
  });
});

describe('GridMix patch labels', () => {
  it('name the class of the image each cell came from', () => {
    // Sample 0 (class 7) pairs with sample 1 (class 3) and vice versa; 2 x 2 grid.
    const masks = Uint8Array.from([1, 0, 0, 1, /* sample 1 */ 1, 1, 1, 0]);
    const labels = Int32Array.from([7, 3]);
    const partner = Int32Array.from([1, 0]);
    assert.deepEqual(Array.from(patchLabels(masks, 2, labels, partner)), [7, 3, 3, 7, 3, 3, 3, 7]);
  });
});
