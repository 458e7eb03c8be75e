import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { gridmixLoss, localCrossEntropy, softTargetCrossEntropy } from '../../src/train/losses';
import { useBackend } from '../helpers/backend';

const LN2 = Math.log(2); // 0.6931472
const LN3 = Math.log(3); // 1.0986123
// Logits [0, ln 3] have softmax [1/4, 3/4]: CE against class 0 is ln 4 = 1.3862944, against class 1 ln(4/3) = 0.2876821.
const CE_QUARTER = Math.log(4);
const CE_THREE_QUARTERS = Math.log(4 / 3);

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-5, `${what}: ${actual}, want ${expected}`);
}

function scalar(t: tf.Scalar): number {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
}

/** Two images, 2 x 2 cells, 2 classes. Image 0's cells: hand-picked; image 1's: all [0, 0]. */
function cellCase(): { cellLogits: tf.Tensor4D; patchLabels: tf.Tensor3D } {
  const cellLogits = tf.tensor4d(
    [
      [[[0, 0], [0, LN3]], [[0, LN3], [LN3, 0]]],
      [[[0, 0], [0, 0]], [[0, 0], [0, 0]]],
    ],
  );
  const patchLabels = tf.tensor3d([[[0, 1], [0, 0]], [[1, 0], [1, 1]]], [2, 2, 2], 'int32');
  return { cellLogits, patchLabels };
}
// Image 0: cells CE ln 2 + ln(4/3) + ln 4 + ln(4/3) = 0.6931472 + 0.2876821 + 1.3862944 + 0.2876821 = 2.6548058.
const IMAGE0_SUM = LN2 + CE_THREE_QUARTERS + CE_QUARTER + CE_THREE_QUARTERS;
// Image 1: four cells of ln 2 = 2.7725887.
const IMAGE1_SUM = 4 * LN2;

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`losses on ${backend}`, () => {
    before(() => useBackend(backend));

    it('softTargetCrossEntropy: hand-computed values', () => {
      // Row 0: logits [0, 0], target [1, 0] -> ln 2 = 0.6931472.
      // Row 1: logits [0, ln 3], target [0.5, 0.5] -> 0.5 ln 4 + 0.5 ln(4/3) = 0.8369882.
      // Mean: 0.7650677.
      const logits = tf.tensor2d([[0, 0], [0, LN3]]);
      const targets = tf.tensor2d([[1, 0], [0.5, 0.5]]);
      close(scalar(softTargetCrossEntropy(logits, targets)), 0.7650677, 'soft CE');
      close(0.7650677, (LN2 + 0.5 * CE_QUARTER + 0.5 * CE_THREE_QUARTERS) / 2, 'the hand value itself');
      tf.dispose([logits, targets]);
    });

    it('softTargetCrossEntropy equals Eq. (3): lambda CE(y_A) + (1 - lambda) CE(y_B)', () => {
      const logits = tf.tensor2d([[0.3, -1.2, 2.0], [1.5, 0.1, -0.4]]);
      const lambda = [0.8, 0.35];
      const [yA, yB] = [[2, 0], [1, 1]];
      const soft = tf.tensor2d(
        lambda.map((l, i) => [0, 1, 2].map((k) => (k === yA[i] ? l : 0) + (k === yB[i] ? 1 - l : 0))),
      );
      const logProbs = tf.logSoftmax(logits).arraySync();
      const eq3 = lambda.reduce((sum, l, i) => sum - l * logProbs[i][yA[i]] - (1 - l) * logProbs[i][yB[i]], 0) / 2;
      close(scalar(softTargetCrossEntropy(logits, soft)), eq3, 'Eq. (3)');
      tf.dispose([logits, soft]);
    });

    it('localCrossEntropy: sum over cells (Eq. 4) and mean over cells, averaged over the batch', () => {
      const { cellLogits, patchLabels } = cellCase();
      // (2.6548058 + 2.7725887) / 2 = 2.7136972
      close(scalar(localCrossEntropy(cellLogits, patchLabels)), 2.7136972, 'sum-over-cells (default)');
      close(scalar(localCrossEntropy(cellLogits, patchLabels, 'sum-over-cells')), (IMAGE0_SUM + IMAGE1_SUM) / 2, 'sum');
      // (0.6637015 + 0.6931472) / 2 = 0.6784243
      close(scalar(localCrossEntropy(cellLogits, patchLabels, 'mean-over-cells')), 0.6784243, 'mean-over-cells');
      tf.dispose([cellLogits, patchLabels]);
    });

    it('softTargetCrossEntropy refuses targets of another shape', () => {
      const logits = tf.zeros([2, 3]) as tf.Tensor2D;
      const targets = tf.zeros([2, 4]) as tf.Tensor2D;
      assert.throws(() => softTargetCrossEntropy(logits, targets), /do not match/);
      tf.dispose([logits, targets]);
    });

    it('localCrossEntropy refuses labels of another grid', () => {
      const cellLogits = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
      const patchLabels = tf.zeros([2, 2, 2], 'int32') as tf.Tensor3D;
      assert.throws(() => localCrossEntropy(cellLogits, patchLabels), /do not match/);
      tf.dispose([cellLogits, patchLabels]);
    });

    it('gridmixLoss: total = global + gamma * local; gamma 0 is the global loss alone', () => {
      const logits = tf.tensor2d([[0, 0], [0, LN3]]);
      const yGlobal = tf.tensor2d([[1, 0], [0.5, 0.5]]);
      const { cellLogits, patchLabels } = cellCase();
      const liveBefore = tf.memory().numTensors;

      const loss = gridmixLoss({ logits, yGlobal, cellLogits, yPatch: patchLabels, gamma: 0.15 });
      close(scalar(loss.global), 0.7650677, 'global');
      close(scalar(loss.local!), 2.7136972, 'local');
      // 0.7650677 + 0.15 * 2.7136972 = 1.1721223
      close(scalar(loss.total), 1.1721223, 'total');

      const withoutLocal = gridmixLoss({ logits, yGlobal, gamma: 0 });
      assert.equal(withoutLocal.local, undefined);
      close(scalar(withoutLocal.total), 0.7650677, 'gamma 0 total');
      scalar(withoutLocal.global);
      assert.equal(tf.memory().numTensors, liveBefore, 'every returned scalar disposed, nothing else left');

      assert.throws(() => gridmixLoss({ logits, yGlobal, gamma: 0.15 }), /needs cellLogits and yPatch/);
      assert.equal(tf.memory().numTensors, liveBefore, 'no leak on the error path');
      tf.dispose([logits, yGlobal, cellLogits, patchLabels]);
    });

    it('gradients reach both heads: d total / d logits = (softmax - y) / B, d / d cellLogits = gamma (softmax - onehot) / B', () => {
      const logits = tf.tensor2d([[0, 0], [0, LN3]]);
      const yGlobal = tf.tensor2d([[1, 0], [0.5, 0.5]]);
      const { cellLogits, patchLabels } = cellCase();
      const [gLogits, gCells] = tf.grads((l: tf.Tensor, c: tf.Tensor) =>
        gridmixLoss({ logits: l as tf.Tensor2D, yGlobal, cellLogits: c as tf.Tensor4D, yPatch: patchLabels, gamma: 0.5 }).total,
      )([logits, cellLogits]);
      // Row 0: softmax [0.5, 0.5] - [1, 0] = [-0.5, 0.5]; row 1: [0.25, 0.75] - [0.5, 0.5] = [-0.25, 0.25]; / 2.
      const expectedLogits = [[-0.25, 0.25], [-0.125, 0.125]];
      (gLogits.arraySync() as number[][]).flat().forEach((g, k) => close(g, expectedLogits.flat()[k], `dL/dlogits[${k}]`));
      // Image 0 cell (0, 0): softmax [0.5, 0.5] - onehot(0) = [-0.5, 0.5], times gamma / B = 0.25.
      const cell00 = (gCells.arraySync() as number[][][][])[0][0][0];
      close(cell00[0], -0.125, 'dL/dcell[0,0,0,0]');
      close(cell00[1], 0.125, 'dL/dcell[0,0,0,1]');
      tf.dispose([gLogits, gCells, logits, yGlobal, cellLogits, patchLabels]);
    });
  });
}
