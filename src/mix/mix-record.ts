// What `gridmix preview` writes per mixed sample: JSON-ready plain values, derived from a
// MixedBatch and the labels it was mixed from, so the figures can be checked by hand.
import type { CutBox, MixedBatch } from './mix-method';

export interface MixSampleRecord {
  /** Index of image A in the batch. */
  index: number;
  /** Index of the partner image B in the batch. */
  partner: number;
  /** Share of image A in the mixed image. */
  lambda: number;
  labelA: number;
  labelB: number;
  dominantLabel: number;
  /** CutMix: the region taken from B (half-open pixel rectangle). */
  box?: CutBox;
  /** GridMix: N x N cells, 1 = A, 0 = B. */
  mask?: number[][];
  /** GridMix: N x N class ids, the label of the image each cell came from. */
  patchLabels?: number[][];
}

export function describeMixedSamples(batch: MixedBatch, labels: Int32Array): MixSampleRecord[] {
  const { params } = batch;
  return Array.from(labels, (labelA, i) => {
    const partner = batch.partner[i];
    const record: MixSampleRecord = {
      index: i,
      partner,
      lambda: batch.lambda[i],
      labelA,
      labelB: labels[partner],
      dominantLabel: batch.dominantLabel[i],
    };
    if (params.kind === 'cutmix') record.box = { ...params.boxes[i] };
    if (params.kind === 'gridmix') {
      const n = params.grid;
      const cells = Array.from(params.masks.subarray(i * n * n, (i + 1) * n * n));
      record.mask = rowsOf(cells, n);
      record.patchLabels = rowsOf(cells.map((keepA) => (keepA === 1 ? labelA : labels[partner])), n);
    }
    return record;
  });
}

function rowsOf(values: number[], n: number): number[][] {
  return Array.from({ length: n }, (_, r) => values.slice(r * n, (r + 1) * n));
}
