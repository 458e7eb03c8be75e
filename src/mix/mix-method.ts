// The mixing side of the two interfaces every method, backbone and dataset meets at.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../engine/rng';

/** A half-open pixel rectangle: rows y0 .. y1-1, columns x0 .. x1-1 (empty when x0 == x1 or y0 == y1). */
export interface CutBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * The small parameters a method drew for one batch besides the pairing and lambda: enough to redraw
 * the pixel mask exactly (preview JSON, tests). Plain numbers, no tensors.
 */
export type MixParams =
  | { kind: 'baseline' }
  | { kind: 'mixup' }
  | {
      kind: 'cutmix';
      /** Per sample, the region of the mixed image taken from the partner B. */
      boxes: CutBox[];
    }
  | {
      kind: 'gridmix';
      grid: number;
      /** B x N x N cells, row-major per sample: 1 = the cell keeps image A, 0 = taken from B. */
      masks: Uint8Array;
    };

export interface MixedBatch {
  /** Mixed images, [B, H, W, C], same dtype/normalization as the input batch. */
  x: tf.Tensor4D;
  /** Soft global targets, [B, K]: lambda * onehot(y_A) + (1 - lambda) * onehot(y_B). */
  yGlobal: tf.Tensor2D;
  /** GridMix patch labels, [B, N, N] int32 class ids (which image each cell came from). */
  yPatch?: tf.Tensor3D;
  /** Grid size N used for this batch (GridMix), so the model builds the matching local head. */
  grid?: number;
  /** Per-sample share of image A in the mix. */
  lambda: Float32Array;
  /** Per-sample index (in the batch) of the partner image B. */
  partner: Int32Array;
  /** Per-sample dominant label (A if lambda >= 0.5 else B): what training accuracy is measured against. */
  dominantLabel: Int32Array;
  /** What was drawn for this batch (boxes, grid masks), for preview and inspection. */
  params: MixParams;
}

export interface MixMethod {
  readonly name: string;
  /** True when the loss needs the local head (GridMix with gamma > 0). */
  readonly needsLocalHead: boolean;
  /** Weight gamma of the local loss (Eq. 4) in L_total = L_global + gamma * L_local; 0 for all but GridMix. */
  readonly localLossWeight: number;
  /** Grid sizes this method may ask the model's local head for (empty if none). */
  readonly gridSizes: readonly number[];
  /**
   * Mix a batch of images x [B, H, W, C] (float) with integer labels. Only the tensors of the
   * returned MixedBatch are new and owned by the caller; x is not disposed.
   */
  mix(x: tf.Tensor4D, labels: Int32Array, numClasses: number, rng: Rng): MixedBatch;
}
