// The CAM box on hand-made maps: the largest region wins, connectivity is 8, the threshold is a
// fraction of the maximum and inclusive, boxes are continuous pixel coordinates; IoU of known boxes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxIoU, camBox, largestRegionBox, thresholdMap, type ScoreMap } from '../../src/eval/localization-box';

/** A map from rows of digits, e.g. ['0090', '0000'] (values 0-9). */
function mapOf(rows: string[]): ScoreMap {
  return { values: rows.flatMap((r) => [...r].map(Number)), height: rows.length, width: rows[0].length };
}

test('two blobs: the box is the larger one\'s, even when the smaller holds the peak', () => {
  const map = mapOf([
    '90000000',
    '00000000',
    '00033300',
    '00033300',
    '00033300',
    '00000000',
  ]);
  assert.deepEqual(camBox(map, 0.2), { x0: 3, y0: 2, x1: 6, y1: 5 });
});

test('connectivity is 8: diagonal neighbours are one region', () => {
  const map = mapOf([
    '5000',
    '0500',
    '0050',
    '5500',
  ]);
  // The diagonal (3 pixels) and the bottom pair (2 pixels) touch diagonally at (2, 2)-(1, 3): one region of 5.
  assert.deepEqual(camBox(map, 0.5), { x0: 0, y0: 0, x1: 3, y1: 4 });
  const apart = mapOf(['5000', '0500', '0000', '0055']);
  assert.deepEqual(largestRegionBox(thresholdMap(apart, 0.5), 4, 4), { x0: 0, y0: 0, x1: 2, y1: 2 });
});

test('equal regions: the first in raster order', () => {
  assert.deepEqual(camBox(mapOf(['0000', '0110', '0000', '1100']), 0.5), { x0: 1, y0: 1, x1: 3, y1: 2 });
});

test('threshold: a fraction of the maximum, inclusive; scaling the map changes nothing', () => {
  const map = mapOf([
    '1111111',
    '1333331',
    '1339331',
    '1333331',
    '1111111',
  ]);
  assert.deepEqual(camBox(map, 0.2), { x0: 1, y0: 1, x1: 6, y1: 4 }, '>= 1.8 keeps the plateau of 3s');
  assert.deepEqual(camBox(map, 1 / 3), { x0: 1, y0: 1, x1: 6, y1: 4 }, 'exactly 3 = 9/3 is kept');
  assert.deepEqual(camBox(map, 0.5), { x0: 3, y0: 2, x1: 4, y1: 3 }, 'only the peak');
  assert.deepEqual(camBox(map, 0.1), { x0: 0, y0: 0, x1: 7, y1: 5 }, 'everything');
  const scaled = { ...map, values: Array.from(map.values, (v) => v * 0.01) };
  assert.deepEqual(camBox(scaled, 0.2), camBox(map, 0.2));
  assert.deepEqual(camBox(mapOf(['000', '000']), 0.2), { x0: 0, y0: 0, x1: 3, y1: 2 }, 'a flat map keeps everything');
});

test('a region along the image border and a 1-pixel image', () => {
  assert.deepEqual(camBox(mapOf(['009', '009', '009']), 0.2), { x0: 2, y0: 0, x1: 3, y1: 3 });
  assert.deepEqual(camBox(mapOf(['7']), 0.2), { x0: 0, y0: 0, x1: 1, y1: 1 });
});

test('IoU of known boxes', () => {
  const unit = { x0: 0, y0: 0, x1: 2, y1: 2 };
  assert.equal(boxIoU(unit, unit), 1);
  assert.equal(boxIoU(unit, { x0: 1, y0: 1, x1: 3, y1: 3 }), 1 / 7);
  assert.equal(boxIoU({ x0: 0, y0: 0, x1: 4, y1: 4 }, unit), 0.25);
  assert.equal(boxIoU(unit, { x0: 2, y0: 0, x1: 4, y1: 2 }), 0, 'touching edges do not overlap');
  assert.equal(boxIoU(unit, { x0: 5, y0: 5, x1: 6, y1: 6 }), 0);
  assert.ok(Math.abs(boxIoU({ x0: 0.5, y0: 0, x1: 2.5, y1: 1 }, { x0: 0, y0: 0, x1: 2, y1: 1 }) - 1.5 / 2.5) < 1e-12, 'fractional boxes');
  assert.equal(boxIoU({ x0: 1, y0: 1, x1: 1, y1: 1 }, { x0: 1, y0: 1, x1: 1, y1: 1 }), 0, 'empty boxes');
});
