// Weakly supervised localisation with class activation maps (Table 5, CUB-200-2011), by the protocol
// of wsolevaluation (Choe et al. 2020) and the CAM code of the CutMix and ADL papers: for each test
// image, a class's CAM is up-sampled to the image, min-max normalised, thresholded at a fraction of
// its maximum (0.2 by default), and boxed around its largest region (see localization-box.ts for the
// conventions). Then, in %:
// - Top-1 Cls: the prediction is the label;
// - GT-Known Loc: IoU(box of the GROUND-TRUTH class's CAM, ground-truth box) >= 0.5: the class is
//   given, so the prediction plays no part;
// - Top-1 Loc: the PREDICTED class's box has IoU >= 0.5 and the prediction is right. A right
//   prediction is the ground-truth class, so that box is the GT-Known box, and Top-1 Loc is
//   "correct and GT-Known located"; one CAM per image is enough.
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors';
import type { Dataset } from '../data/dataset';
import { DataLoader } from '../data/loader';
import type { Model } from '../models/model';
import { BACKBONE_NAMES, buildArchitecture } from '../models/registry';
import { boxIoU, camBox, type Box } from './localization-box';
import { classActivationMaps } from './localization-cam';

export const DEFAULT_CAM_THRESHOLD = 0.2;
export const IOU_THRESHOLD = 0.5;

export interface LocalizationOptions {
  batchSize: number;
  /** Fraction of the normalised map's maximum a pixel must reach to be in the box (default 0.2). */
  camThreshold?: number;
}

export interface ImageLocalization {
  /** Index in the test split. */
  index: number;
  label: number;
  predicted: number;
  /** The box of the ground-truth class's CAM (also the predicted class's box when the prediction is right). */
  box: Box;
  groundTruth: Box;
  iou: number;
}

export interface LocalizationResult {
  count: number;
  /** Percentages (0-100). */
  top1Cls: number;
  gtKnownLoc: number;
  top1Loc: number;
  camThreshold: number;
  images: ImageLocalization[];
}

/** The protocol in words, for the result files. */
export const LOCALIZATION_PROTOCOL =
  'wsolevaluation / CutMix / ADL: a class\'s CAM, bilinear to the image, min-max normalised, kept where >= threshold x max, ' +
  'box of the largest 8-connected region; GT-Known Loc: the ground-truth class\'s box has IoU >= 0.5; ' +
  'Top-1 Loc: the predicted class\'s box has IoU >= 0.5 and the top-1 class is right';

/** A model whose classifier is global average pooling + linear exposes its [C, K] weights. */
interface CamModel extends Model {
  camWeights(): tf.Tensor2D | undefined;
}

function hasCamWeights(model: Model): model is CamModel {
  return typeof (model as Partial<CamModel>).camWeights === 'function';
}

/** The backbones whose classifier at this input size is global average pooling + linear (no weights allocated). */
export function camBackbones(inputSize: number, inChannels: number, numClasses: number): string[] {
  return BACKBONE_NAMES.filter((name) => {
    try {
      return buildArchitecture(name, { numClasses, inputSize, inChannels, localHead: false }).classifier.camWeight() !== undefined;
    } catch {
      return false; // the backbone cannot take this input size
    }
  });
}

function camWeightsOf(model: Model, dataset: Dataset): tf.Tensor2D {
  const weights = hasCamWeights(model) ? model.camWeights() : undefined;
  if (!weights) {
    const supported = camBackbones(dataset.height, dataset.channels, dataset.classes.length);
    throw new UserError(
      `${model.name} has no class activation maps (its classifier is not global average pooling + linear at ${dataset.height} px); ` +
        `CAM localisation needs one of: ${supported.join(', ')}`,
    );
  }
  return weights;
}

export function checkCamThreshold(threshold: number): void {
  if (!(threshold >= 0 && threshold <= 1)) throw new UserError(`--cam-threshold: ${threshold} is not allowed; use a number in [0, 1]`);
}

/** The test split's boxes, or a clear error for a dataset that has none. */
function testBoxes(dataset: Dataset): Float32Array {
  const boxes = dataset.test.boxes;
  if (!boxes) throw new UserError(`${dataset.name} has no ground-truth boxes in its test split; localisation needs a dataset with boxes (cub200)`);
  return boxes;
}

/** CAM localisation over the test split; `dataset` carries the normalisation the model was trained with. */
export async function evaluateLocalization(model: Model, dataset: Dataset, options: LocalizationOptions): Promise<LocalizationResult> {
  const camThreshold = options.camThreshold ?? DEFAULT_CAM_THRESHOLD;
  checkCamThreshold(camThreshold);
  const weights = camWeightsOf(model, dataset);
  const boxes = testBoxes(dataset);
  const { height, width } = dataset;
  const loader = new DataLoader(dataset, 'test', { batchSize: options.batchSize, seed: 0, shuffle: false, augment: false });
  const images: ImageLocalization[] = [];
  for (let batch = loader.nextBatch(); batch; ) {
    const current = batch;
    const { predicted, maps } = tf.tidy(() => {
      const { logits, features } = model.forward(current.x, { training: false });
      const trueClasses = tf.tensor1d(current.labels, 'int32');
      return { predicted: tf.argMax(logits, 1) as tf.Tensor1D, maps: classActivationMaps(features, weights, trueClasses, height, width) };
    });
    batch = loader.nextBatch(); // prepared while a GPU backend computes this one
    const [predictedIds, mapValues] = await Promise.all([predicted.data(), maps.data()]);
    tf.dispose([predicted, maps, current.x]);
    const pixels = height * width;
    current.indices.forEach((index, k) => {
      const box = camBox({ values: mapValues.subarray(k * pixels, (k + 1) * pixels), height, width }, camThreshold);
      const [x0, y0, x1, y1] = boxes.subarray(index * 4, index * 4 + 4);
      const groundTruth = { x0, y0, x1, y1 };
      images.push({ index, label: current.labels[k], predicted: predictedIds[k], box, groundTruth, iou: boxIoU(box, groundTruth) });
    });
  }
  const percent = (hits: number) => (100 * hits) / images.length;
  const correct = (r: ImageLocalization) => r.predicted === r.label;
  const located = (r: ImageLocalization) => r.iou >= IOU_THRESHOLD;
  return {
    count: images.length,
    top1Cls: percent(images.filter(correct).length),
    gtKnownLoc: percent(images.filter(located).length),
    top1Loc: percent(images.filter((r) => correct(r) && located(r)).length),
    camThreshold,
    images,
  };
}
