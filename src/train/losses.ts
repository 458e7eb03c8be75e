// The losses of Eq. (3) and (4): L_total = L_global + gamma * L_local.
// Every function returns a scalar the caller owns; intermediates are freed (tf.tidy).
import * as tf from '@tensorflow/tfjs';

/**
 * Mean over the batch of -sum_k targets[k] * log softmax(logits)[k]. With soft targets
 * lambda * onehot(y_A) + (1 - lambda) * onehot(y_B) this is exactly Eq. (3),
 * lambda * CE(y_A) + (1 - lambda) * CE(y_B), because cross-entropy is linear in the target.
 */
export function softTargetCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  if (logits.shape[0] !== targets.shape[0] || logits.shape[1] !== targets.shape[1]) {
    throw new Error(`softTargetCrossEntropy: logits [${logits.shape}] do not match targets [${targets.shape}]`);
  }
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits, -1)), -1))) as tf.Scalar);
}

/** How the per-cell cross-entropies of one image are combined before averaging over the batch. */
export type LocalReduction = 'sum-over-cells' | 'mean-over-cells';

/**
 * Eq. (4): cross-entropy of every cell's logits [B, N, N, K] against its patch label [B, N, N]
 * (int32 class ids), summed over the N^2 cells ('sum-over-cells', the paper) or averaged
 * ('mean-over-cells', which keeps the scale independent of N), then averaged over the batch.
 */
export function localCrossEntropy(
  cellLogits: tf.Tensor4D,
  patchLabels: tf.Tensor3D,
  reduction: LocalReduction = 'sum-over-cells',
): tf.Scalar {
  const [batch, rows, cols, numClasses] = cellLogits.shape;
  const [labelBatch, labelRows, labelCols] = patchLabels.shape;
  if (batch !== labelBatch || rows !== labelRows || cols !== labelCols) {
    throw new Error(`localCrossEntropy: cell logits [${cellLogits.shape}] do not match patch labels [${patchLabels.shape}]`);
  }
  return tf.tidy(() => {
    const targets = tf.oneHot(patchLabels.cast('int32'), numClasses); // [B, N, N, K]
    const cellLoss = tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(cellLogits, -1)), -1)); // [B, N, N]
    const perImage = reduction === 'sum-over-cells' ? tf.sum(cellLoss, [1, 2]) : tf.mean(cellLoss, [1, 2]);
    return tf.mean(perImage) as tf.Scalar;
  });
}

export interface GridmixLossInputs {
  /** f_g: [B, K]. */
  logits: tf.Tensor2D;
  /** Soft global targets [B, K] (MixedBatch.yGlobal). */
  yGlobal: tf.Tensor2D;
  /** f_l: [B, N, N, K]; needed when gamma > 0. */
  cellLogits?: tf.Tensor4D;
  /** [B, N, N] int32 (MixedBatch.yPatch); needed when gamma > 0. */
  yPatch?: tf.Tensor3D;
  /** Weight of the local loss (MixMethod.localLossWeight); 0 = global loss only. */
  gamma: number;
  reduction?: LocalReduction;
}

export interface GridmixLoss {
  /** L_global + gamma * L_local: what the optimizer minimises. */
  total: tf.Scalar;
  global: tf.Scalar;
  /** Present when gamma > 0. */
  local?: tf.Scalar;
}

/**
 * L_total = L_global + gamma * L_local. Serves every method: with gamma = 0 (Baseline, MixUp,
 * CutMix, GridMix wo. Eq. (4)) it is the soft-target cross-entropy alone. All returned scalars
 * belong to the caller (inside tf.variableGrads only `total` needs returning; the rest are freed).
 */
export function gridmixLoss(inputs: GridmixLossInputs): GridmixLoss {
  const global = softTargetCrossEntropy(inputs.logits, inputs.yGlobal);
  if (inputs.gamma === 0) return { total: tf.clone(global), global };
  const { cellLogits, yPatch } = inputs;
  if (!cellLogits || !yPatch) {
    global.dispose();
    throw new Error('gridmixLoss: gamma > 0 needs cellLogits and yPatch (a model local head and GridMix patch labels)');
  }
  const local = localCrossEntropy(cellLogits, yPatch, inputs.reduction);
  const total = tf.tidy(() => tf.add(global, tf.mul(local, inputs.gamma)) as tf.Scalar);
  return { total, global, local };
}
