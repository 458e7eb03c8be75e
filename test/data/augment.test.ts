import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Rng } from '../../src/engine/rng';
import { applyCropWindow, drawCropWindow, standardPolicy, type CropWindow } from '../../src/data/augment';

// A 4x3 image with 2 channels: value = 10 * (y * 3 + x) + c + 1 (never 0, so padding shows).
const shape = { height: 4, width: 3, channels: 2 };
const image = Uint8Array.from({ length: 24 }, (_, i) => 10 * Math.floor(i / 2) + (i % 2) + 1);
const at = (pixels: Uint8Array, y: number, x: number, c: number) => pixels[(y * 3 + x) * 2 + c];

function crop(window: Partial<CropWindow>): Uint8Array {
  const out = new Uint8Array(24).fill(255);
  applyCropWindow(image, 0, out, 0, shape, { top: 0, left: 0, height: 4, width: 3, flip: false, ...window });
  return out;
}

test('a zero window copies the image unchanged', () => {
  assert.deepEqual(crop({}), image);
});

test('a shifted window moves pixels and fills the overhang with zeros', () => {
  const out = crop({ top: 1, left: -1 });
  // Output (y, x) comes from source (y + 1, x - 1).
  assert.equal(at(out, 0, 1, 0), at(image, 1, 0, 0));
  assert.equal(at(out, 2, 2, 1), at(image, 3, 1, 1));
  for (let y = 0; y < 4; y++) assert.equal(at(out, y, 0, 0), 0, 'left column is padding');
  for (let x = 0; x < 3; x++) assert.equal(at(out, 3, x, 1), 0, 'bottom row is padding');
});

test('flip mirrors the crop left-right, keeping channel order', () => {
  const out = crop({ flip: true });
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 3; x++) {
      for (let c = 0; c < 2; c++) assert.equal(at(out, y, x, c), at(image, y, 2 - x, c));
    }
  }
  const shifted = crop({ flip: true, left: 1 });
  // Crop first (source x + 1), then flip: output x reads source (2 - x) + 1.
  assert.equal(at(shifted, 0, 1, 0), at(image, 0, 2, 0));
  assert.equal(at(shifted, 0, 0, 0), 0);
});

test('a smaller window is resized back: a 2x2 window of a flat region stays flat', () => {
  const flat = new Uint8Array(16 * 16 * 3).fill(77);
  const out = new Uint8Array(flat.length);
  applyCropWindow(flat, 0, out, 0, { height: 16, width: 16, channels: 3 }, { top: 3, left: 5, height: 2, width: 2, flip: true });
  assert.ok(out.every((v) => v === 77));
});

test('a smaller window is resized bilinearly with aligned pixel centres', () => {
  // One channel, 4 x 2, both rows 0, 100, 200, 250; the window is columns 1-2 stretched to width 4.
  const src = Uint8Array.from([0, 100, 200, 250, 0, 100, 200, 250]);
  const out = new Uint8Array(8);
  const shape1 = { height: 2, width: 4, channels: 1 };
  applyCropWindow(src, 0, out, 0, shape1, { top: 0, left: 1, height: 2, width: 2, flip: false });
  assert.deepEqual([...out], [100, 125, 175, 200, 100, 125, 175, 200]);
  applyCropWindow(src, 0, out, 0, shape1, { top: 0, left: 1, height: 2, width: 2, flip: true });
  assert.deepEqual([...out.subarray(0, 4)], [200, 175, 125, 100]);
});

test('the standard policy by size: pad 4 for 28 and 32, pad 8 for 64, resized crop for 224', () => {
  assert.deepEqual(standardPolicy(28, 28), { kind: 'pad-crop', pad: 4 });
  assert.deepEqual(standardPolicy(32, 32), { kind: 'pad-crop', pad: 4 });
  assert.deepEqual(standardPolicy(64, 64), { kind: 'pad-crop', pad: 8 });
  assert.equal(standardPolicy(224, 224).kind, 'resized-crop');
});

test('drawn windows stay in range: offsets within the padding, resized crops inside the image', () => {
  const rng = new Rng(5);
  const flips = { true: 0, false: 0 };
  for (let i = 0; i < 400; i++) {
    const w = drawCropWindow({ kind: 'pad-crop', pad: 4 }, { height: 32, width: 32, channels: 3 }, rng);
    assert.ok(Math.abs(w.top) <= 4 && Math.abs(w.left) <= 4);
    flips[`${w.flip}`]++;
    const r = drawCropWindow(standardPolicy(224, 224), { height: 224, width: 224, channels: 3 }, rng);
    assert.ok(r.top >= 0 && r.left >= 0 && r.top + r.height <= 224 && r.left + r.width <= 224);
    assert.ok(r.height * r.width >= 0.07 * 224 * 224);
  }
  assert.ok(flips.true > 150 && flips.false > 150);
});
