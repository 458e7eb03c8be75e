// What a caller asks of a dataset reader: which dataset, where to look first, how much of it, at
// what size. The experiment config maps onto this; readers see nothing else of the config.

/** Which model's label space an ImageNet-A evaluation set is mapped onto. */
export const IMAGENET_A_TARGETS = ['tiny-imagenet', 'imagenet'] as const;
export type ImagenetATarget = (typeof IMAGENET_A_TARGETS)[number];

export interface DatasetConfig {
  /** Registry name, e.g. 'fashion-mnist-mini', 'cifar100'. */
  name: string;
  /** A folder to look in before the user cache and the system folders. */
  root?: string;
  /** Keep a class-balanced, seeded subset of this many training images. */
  trainLimit?: number;
  /**
   * Read only the test split (evaluation of a trained model): the train split comes back empty and
   * is never read or decoded. mean/std are then the reader's fallback statistics or the test
   * split's own; an evaluation normalises with the statistics its model was trained with instead.
   */
  testOnly?: boolean;
  /** Keep a class-balanced, seeded subset of this many test images. */
  testLimit?: number;
  /** Seed of the limit subsets (default 0). */
  seed?: number;
  /** Side of the square images the folder datasets are decoded to (cub200, imagenet, tiny-imagenet, imagenet-a; default: the reader's shape). */
  imageSize?: number;
  /** imagenet-a only: the classes of the model it is evaluated on (default 'imagenet'). */
  imagenetATarget?: ImagenetATarget;
  /** Where decoded images of folder datasets are cached (default: the user cache). */
  cacheDir?: string;
  /**
   * Told how decoding a folder dataset is going (it can take minutes the first time). Default: a line
   * on stderr every 10 % when more than PROGRESS_THRESHOLD images are decoded; pass () => {} for silence.
   */
  progress?: (message: string) => void;
}
