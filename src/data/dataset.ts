// The data side: what every dataset reader returns.

/** One split of a dataset, decoded to uint8 pixels in memory (HWC, row-major). */
export interface ImageSplit {
  /** count * height * width * channels bytes, image after image, each H x W x C. */
  images: Uint8Array;
  labels: Int32Array;
  count: number;
  /** Optional per-image boxes [x0, y0, x1, y1] in this split's pixel coordinates (count * 4). */
  boxes?: Float32Array;
}

export interface Dataset {
  name: string;
  /** Class names (or wnids), index = label. */
  classes: string[];
  height: number;
  width: number;
  channels: number;
  train: ImageSplit;
  test: ImageSplit;
  /** Per-channel mean and std of the training pixels on the 0-1 scale, for normalization. */
  mean: number[];
  std: number[];
  /**
   * Evaluation-only sets mapped onto a model's classes (ImageNet-A): the model's class indices this set
   * covers, ascending (the 200 `indices_in_1k`, or the 74 TinyImageNet-A classes). The reference
   * protocol takes the argmax over these logits only.
   */
  coveredClasses?: Int32Array;
  /** The folder the files were read from (runs name it and record it in summary.json). */
  folder?: string;
}

/** What a dataset looks like to a model, known without reading its files. */
export interface DatasetShape {
  numClasses: number;
  height: number;
  width: number;
  channels: number;
}
