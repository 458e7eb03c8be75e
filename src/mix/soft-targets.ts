// Pure label arithmetic shared by every method: the soft global target and the dominant label.
// Plain typed arrays (B x K is tiny next to the images), so they are exact and testable without tf.

/** Row-major [B, K]: lambda_i * onehot(labels[i]) + (1 - lambda_i) * onehot(labels[partner[i]]). */
export function softTargets(
  labels: Int32Array,
  partner: Int32Array,
  lambda: Float32Array,
  numClasses: number,
): Float32Array {
  const batch = labels.length;
  const targets = new Float32Array(batch * numClasses);
  for (let i = 0; i < batch; i++) {
    const labelA = labels[i];
    const labelB = labels[partner[i]];
    checkLabel(labelA, numClasses);
    checkLabel(labelB, numClasses);
    // += so that a pair with the same class (or a sample paired with itself) gets weight 1.
    targets[i * numClasses + labelA] += lambda[i];
    targets[i * numClasses + labelB] += 1 - lambda[i];
  }
  return targets;
}

/** The label that owns the larger share of each mixed image (A on a tie). */
export function dominantLabels(labels: Int32Array, partner: Int32Array, lambda: Float32Array): Int32Array {
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = lambda[i] >= 0.5 ? labels[i] : labels[partner[i]];
  return out;
}

function checkLabel(label: number, numClasses: number): void {
  if (!(Number.isInteger(label) && label >= 0 && label < numClasses)) {
    throw new RangeError(`label ${label} is outside 0..${numClasses - 1}`);
  }
}
