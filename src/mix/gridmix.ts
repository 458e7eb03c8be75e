// GridMix (Baek, Bang, Shim 2021): an N x N Bernoulli(p) cell mask per sample decides, cell by cell,
// whether the mixed image shows A (M = 1) or its partner B. The mask is up-sampled to the image by
// nearest neighbour; the global label is soft, y~ = lambda * y_A + (1 - lambda) * y_B, and every
// cell also carries the class of the image it came from (patch labels, for the local loss of Eq. 4).
//
// lambda convention: the true PIXEL share of A (see pixelShareOfA). It equals the paper's
// sum(M) / N^2 whenever N divides the image side, and stays exact when it does not.
//
// grid "random": one N per batch, drawn uniformly from gridChoices (the paper does not define its
// "Random" row; one size per batch lets the local head and patch labels keep one shape per step).
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors';
import type { Rng } from '../engine/rng';
import type { MixMethod, MixedBatch } from './mix-method';
import { assembleMixedBatch, checkBatch } from './mixed-batch';
import { cellIndexMap, drawGridMasks, patchLabels, pixelShareOfA } from './grid-cells';
import { oneHotColumns } from './one-hot-matrix';
import { maskFromRowPatterns } from './row-pattern-mask';
import { blendWithPartner } from './pixel-blend';

export interface GridmixArgs {
  /** Cells per side, or 'random' for one size per batch drawn from gridChoices. */
  grid: number | 'random';
  /** Sizes 'random' draws from. */
  gridChoices: readonly number[];
  /** Probability that a cell keeps image A. */
  p: number;
  /** Weight of the local loss; 0 = "GridMix wo. Eq. (4)" (no local head). */
  gamma: number;
}

/** The paper's defaults (CIFAR-100 / VGG19BN, used everywhere): 4 x 4, p = 0.8, gamma = 0.15. */
export const GRIDMIX_DEFAULTS: GridmixArgs = { grid: 4, gridChoices: [2, 4, 8], p: 0.8, gamma: 0.15 };

export interface GridmixDraw {
  grid: number;
  partner: Int32Array;
  /** B x N x N, 1 = keep A. */
  masks: Uint8Array;
  /** Per-sample pixel share of A. */
  lambda: Float32Array;
}

/** Draw the grid size, the pairing and the cell masks (no tensors). */
export function drawGridmix(rng: Rng, batch: number, height: number, width: number, args: GridmixArgs): GridmixDraw {
  const grid = args.grid === 'random' ? rng.choice(args.gridChoices) : args.grid;
  if (grid > Math.min(height, width)) {
    throw new UserError(`GridMix grid ${grid} is larger than the ${height} x ${width} images; pick a grid <= ${Math.min(height, width)}`);
  }
  const partner = rng.permutation(batch);
  const masks = drawGridMasks(rng, batch, grid, args.p);
  return { grid, partner, masks, lambda: pixelShareOfA(masks, grid, height, width) };
}

/**
 * [B, H, W, C] pixel mask: the N x N cell masks up-sampled by nearest neighbour. Each cell row
 * (sample b, cell row i) is widened to a pixel row by a product with a one-hot [N, W*C] column
 * selection (exact: one 1 per column); each image row then copies the pattern of its cell row.
 */
export function upsampleGridMasks(masks: Uint8Array, grid: number, height: number, width: number, channels: number): tf.Tensor4D {
  const batch = masks.length / (grid * grid);
  const rowCell = cellIndexMap(height, grid);
  const rowPattern = new Int32Array(batch * height);
  for (let b = 0; b < batch; b++) for (let h = 0; h < height; h++) rowPattern[b * height + h] = b * grid + rowCell[h];
  return tf.tidy(() => {
    const colSelect = tf.tensor2d(oneHotColumns(cellIndexMap(width, grid), grid, channels), [grid, width * channels]);
    const cellRows = tf.tensor2d(Float32Array.from(masks), [batch * grid, grid]);
    const patterns = tf.matMul(cellRows, colSelect) as tf.Tensor2D; // [B*N, W*C]
    return maskFromRowPatterns(patterns, rowPattern, [batch, height, width, channels]);
  });
}

export class Gridmix implements MixMethod {
  readonly name = 'gridmix';
  readonly needsLocalHead: boolean;
  readonly localLossWeight: number;
  readonly gridSizes: readonly number[];

  constructor(readonly args: GridmixArgs = GRIDMIX_DEFAULTS) {
    this.needsLocalHead = args.gamma > 0;
    this.localLossWeight = args.gamma;
    this.gridSizes = args.grid === 'random' ? [...new Set(args.gridChoices)] : [args.grid];
  }

  mix(x: tf.Tensor4D, labels: Int32Array, numClasses: number, rng: Rng): MixedBatch {
    checkBatch(x, labels, numClasses);
    const [batch, height, width, channels] = x.shape;
    const { grid, partner, masks, lambda } = drawGridmix(rng, batch, height, width, this.args);
    const mixed = tf.tidy(() => blendWithPartner(x, partner, upsampleGridMasks(masks, grid, height, width, channels)));
    const yPatch = tf.tensor3d(patchLabels(masks, grid, labels, partner), [batch, grid, grid], 'int32');
    return assembleMixedBatch({
      x: mixed,
      labels,
      numClasses,
      partner,
      lambda,
      params: { kind: 'gridmix', grid, masks },
      yPatch,
      grid,
    });
  }
}
