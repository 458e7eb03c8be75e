// Pure N x N grid geometry and mask drawing for GridMix. When N does not divide the image side,
// cell i covers rows floor(i*H/N) .. floor((i+1)*H/N) - 1 (columns likewise), so the cells tile the
// image exactly and their sides differ by at most one pixel.
import type { Rng } from '../engine/rng';

/** For every pixel row (or column) 0..size-1, the grid cell it falls in. */
export function cellIndexMap(size: number, grid: number): Int32Array {
  checkGrid(size, grid);
  const map = new Int32Array(size);
  for (let cell = 0; cell < grid; cell++) map.fill(cell, cellStart(cell, size, grid), cellStart(cell + 1, size, grid));
  return map;
}

/** Side length in pixels of each of the N cells along one axis. */
export function cellSizes(size: number, grid: number): Int32Array {
  checkGrid(size, grid);
  const sizes = new Int32Array(grid);
  for (let cell = 0; cell < grid; cell++) sizes[cell] = cellStart(cell + 1, size, grid) - cellStart(cell, size, grid);
  return sizes;
}

function cellStart(cell: number, size: number, grid: number): number {
  return Math.floor((cell * size) / grid);
}

/** batch x N x N Bernoulli(p) cells, row-major per sample; 1 = keep image A. */
export function drawGridMasks(rng: Rng, batch: number, grid: number, p: number): Uint8Array {
  const masks = new Uint8Array(batch * grid * grid);
  for (let k = 0; k < masks.length; k++) masks[k] = rng.bernoulli(p) ? 1 : 0;
  return masks;
}

/**
 * Per sample, the share of PIXELS that keep image A: sum over cells of M(i,j) * area(i,j) / (H*W).
 * This is the lambda GridMix uses. When N divides both sides every cell has the same area and it
 * equals the paper's sum(M) / N^2; otherwise it is the exact share of A in the mixed image, which
 * the cell count would miss by up to a few percent. Its expectation is p either way.
 */
export function pixelShareOfA(masks: Uint8Array, grid: number, height: number, width: number): Float32Array {
  const rows = cellSizes(height, grid);
  const cols = cellSizes(width, grid);
  const cells = grid * grid;
  const lambda = new Float32Array(masks.length / cells);
  for (let b = 0; b < lambda.length; b++) {
    let keptPixels = 0;
    for (let i = 0; i < grid; i++) {
      for (let j = 0; j < grid; j++) keptPixels += masks[b * cells + i * grid + j] * rows[i] * cols[j];
    }
    lambda[b] = keptPixels / (height * width);
  }
  return lambda;
}

/** y_p = M * y_A + (1 - M) * y_B: per sample and cell, the class of the image the cell came from. */
export function patchLabels(masks: Uint8Array, grid: number, labels: Int32Array, partner: Int32Array): Int32Array {
  const cells = grid * grid;
  const out = new Int32Array(masks.length);
  for (let k = 0; k < masks.length; k++) {
    const b = Math.floor(k / cells);
    out[k] = masks[k] === 1 ? labels[b] : labels[partner[b]];
  }
  return out;
}

function checkGrid(size: number, grid: number): void {
  if (!(Number.isInteger(grid) && grid >= 1 && grid <= size)) {
    throw new RangeError(`a ${grid} x ${grid} grid does not fit an image side of ${size} pixels`);
  }
}
