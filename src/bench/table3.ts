// The paper's Table 3 layout: iterations/s at batch 128 on CIFAR-100 (32x32, 100 classes) and the time
// a 200-epoch run of 391 iterations per epoch would take at that rate, for MixUp, CutMix and GridMix on
// VGG19BN and ResNet101, beside the paper's numbers (src/report/paper-numbers.ts).
import { TABLE3, TABLE3_EPOCHS, TABLE3_ITERATIONS, TABLE3_VARIANTS, type Variant } from '../report/paper-numbers';
import type { MixMethodConfig } from '../mix/registry';

export const TABLE3_BATCH_SIZE = 128;
export const TABLE3_INPUT_SIZE = 32;
export const TABLE3_NUM_CLASSES = 100;

/** Seconds of the paper's schedule (391 iterations x 200 epochs) at `itPerSecond`. */
export function projectedSeconds(itPerSecond: number, iterationsPerEpoch = TABLE3_ITERATIONS, epochs = TABLE3_EPOCHS): number {
  return (iterationsPerEpoch * epochs) / itPerSecond;
}

/**
 * Iterations/s at the paper's batch of 128 from images/s measured at any batch: the per-image cost is
 * taken as constant, which holds once a batch fills the CPU's vector units (and is stated in the output).
 */
export function itPerSecondAtBatch(imagesPerSecond: number, batchSize = TABLE3_BATCH_SIZE): number {
  return imagesPerSecond / batchSize;
}

export interface Table3Cell {
  backbone: string;
  variant: Variant;
  method: MixMethodConfig;
  paperItPerSecond: number;
}

/** The method each Table 3 column trains with (GridMix with Eq. (4): the paper's 4x4 grid and local head). */
export function methodOfVariant(variant: Variant): MixMethodConfig {
  switch (variant) {
    case 'mixup':
      return { method: 'mixup' };
    case 'cutmix':
      return { method: 'cutmix' };
    case 'gridmix':
      return { method: 'gridmix', grid: 4 };
    default:
      throw new Error(`Table 3 has no ${variant} column`);
  }
}

/** Every cell of Table 3, row by row, with the paper's it/s. */
export function table3Cells(): Table3Cell[] {
  return TABLE3.flatMap((row) =>
    TABLE3_VARIANTS.map((variant) => ({
      backbone: row.backbone,
      variant,
      method: methodOfVariant(variant),
      paperItPerSecond: row.values[variant]!,
    })),
  );
}
