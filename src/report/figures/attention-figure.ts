// Fig. 2: where each model looks. For the same K images (a class-balanced, seeded pick of the split),
// each run's activation-based attention map over the image, one column per run; with `cam`, the
// class activation map of the predicted class instead, with the box the Table 5 protocol draws from
// it (red) and the ground-truth box (green). PNG plus the maps' numbers as JSON beside it.
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { balancedSubsetIndices } from '../../data/balanced-subset';
import type { Dataset } from '../../data/dataset';
import { boxIoU, camBox, type Box } from '../../eval/localization-box';
import { classActivationMaps, classScoreMaps } from '../../eval/localization-cam';
import { evaluateLocalization } from '../../eval/localization';
import { loadRunModel } from '../../eval/load-run';
import { UserError } from '../../errors';
import { writeJsonAtomic } from '../../io/atomic-file';
import { Backbone } from '../../models/backbone';
import type { Model } from '../../models/model';
import { shapeOf } from '../../train/setup';
import { attentionMaps, attentionScores } from './attention-map';
import { collectOutputs, loadFigureData, selectImages, type FigureRun, type FigureSplit } from './figure-runs';
import { heatPanel, imagePanel, writePanelGrid, type ImagePixels } from './image-panels';

export interface AttentionFigureOptions {
  runs: FigureRun[];
  images: number;
  split: FigureSplit;
  /** Class activation maps with the predicted and ground-truth boxes (datasets with boxes: CUB). */
  cam: boolean;
  camThreshold: number;
  batchSize: number;
  /** The PNG; the JSON goes beside it with the same stem. */
  out: string;
  log: (line: string) => void;
}

/** Maps above this many pixels are stored at the feature map's resolution only (the image-size one follows by up-sampling). */
const MAX_STORED_PIXELS = 4096;

const round = (x: number, digits = 4) => Number(x.toPrecision(digits));

interface RunMaps {
  /** [K][H*W] in [0, 1]: what is drawn. */
  maps: Float32Array[];
  /** [K][h*w]: sum_c A^2 (attention) or features . w_class (CAM), before up-sampling and normalising. */
  scores: Float32Array[];
  featureShape: [number, number];
  predicted: number[];
  /** cam: the protocol's numbers on these images, and each image's boxes. */
  localization?: { top1Cls: number; gtKnownLoc: number; top1Loc: number; boxes: { box: Box; groundTruth: Box; iou: number }[] };
}

function rows(values: Float32Array, rowLength: number): Float32Array[] {
  return Array.from({ length: values.length / rowLength }, (_, k) => values.slice(k * rowLength, (k + 1) * rowLength));
}

function camWeightsOf(model: Model): tf.Tensor2D | undefined {
  return model instanceof Backbone ? model.camWeights() : undefined;
}

async function runMaps(model: Model, images: Dataset, split: FigureSplit, options: AttentionFigureOptions): Promise<RunMaps> {
  const { height, width } = images;
  let featureShape: [number, number] = [0, 0];
  let localization: RunMaps['localization'];
  let classes: tf.Tensor1D | undefined;
  if (options.cam) {
    // The protocol itself (it also says clearly when the model has no CAM or the data no boxes).
    const result = await evaluateLocalization(model, images, { batchSize: options.batchSize, camThreshold: options.camThreshold });
    classes = tf.tensor1d(result.images.map((r) => r.predicted), 'int32');
    localization = {
      top1Cls: result.top1Cls,
      gtKnownLoc: result.gtKnownLoc,
      top1Loc: result.top1Loc,
      boxes: result.images.map((r) => ({ box: r.box, groundTruth: r.groundTruth, iou: r.iou })),
    };
  }
  let offset = 0;
  const { values, rowLength } = await collectOutputs(model, images, split, options.batchSize, (out) => {
    const [batch, h, w] = out.features.shape;
    featureShape = [h, w];
    const predicted = tf.argMax(out.logits, 1) as tf.Tensor1D;
    let maps: tf.Tensor3D;
    let scores: tf.Tensor3D;
    if (classes) {
      const weights = camWeightsOf(model)!;
      const batchClasses = classes.slice(offset, batch);
      offset += batch;
      maps = classActivationMaps(out.features, weights, batchClasses, height, width);
      scores = classScoreMaps(out.features, weights, batchClasses);
    } else {
      maps = attentionMaps(out.features, height, width);
      scores = attentionScores(out.features);
    }
    return tf.concat([maps.reshape([batch, -1]), scores.reshape([batch, -1]), predicted.cast('float32').reshape([batch, 1])], 1);
  });
  classes?.dispose();
  const pixels = height * width;
  const cells = featureShape[0] * featureShape[1];
  const all = rows(values, rowLength);
  const result: RunMaps = {
    maps: all.map((r) => r.slice(0, pixels)),
    scores: all.map((r) => r.slice(pixels, pixels + cells)),
    featureShape,
    predicted: all.map((r) => r[pixels + cells]),
    localization,
  };
  if (localization) {
    // The box drawn is the protocol's box of this very map (the predicted class's CAM: Top-1 Loc's box).
    localization.boxes.forEach((b, k) => {
      b.box = camBox({ values: result.maps[k], height, width }, options.camThreshold);
      b.iou = boxIoU(b.box, b.groundTruth);
    });
  }
  return result;
}

export async function drawAttentionFigure(options: AttentionFigureOptions): Promise<{ png: string; json: string }> {
  const { runs, split } = options;
  if (options.cam && split !== 'test') throw new UserError('--cam draws the Table 5 boxes, which exist for the test split only: drop --split train');
  const dataset = await loadFigureData(runs[0], split);
  const source = dataset[split];
  const indices = balancedSubsetIndices(source.labels, Math.min(options.images, source.count), 0);
  const { height, width, channels } = dataset;
  const imageBytes = height * width * channels;
  const pictures: ImagePixels[] = Array.from(indices, (i) => ({ pixels: source.images.subarray(i * imageBytes, (i + 1) * imageBytes), height, width, channels }));
  const panelSize = Math.min(224, Math.max(height, Math.ceil(112 / height) * height));

  const perRun: RunMaps[] = [];
  for (const run of runs) {
    const model = loadRunModel(run.dir, run.config, shapeOf(dataset));
    try {
      perRun.push(await runMaps(model, selectImages(dataset, split, indices, run), split, options));
    } finally {
      model.dispose();
    }
    options.log(`${run.label}: ${options.cam ? 'class activation maps' : 'attention maps'} of ${indices.length} ${split} images (${run.dir})`);
  }

  const cells: Buffer[][] = [];
  for (let k = 0; k < indices.length; k++) {
    const row = [await imagePanel(pictures[k], panelSize)];
    for (const maps of perRun) {
      const boxes = maps.localization ? [{ box: maps.localization.boxes[k].groundTruth, colour: '#00c000' }, { box: maps.localization.boxes[k].box, colour: '#ff0000' }] : [];
      row.push(await heatPanel(pictures[k], maps.maps[k], panelSize, boxes));
    }
    cells.push(row);
  }
  const kind = options.cam ? 'class activation maps (predicted class)' : 'attention maps (sum over channels of |A|^2, last conv stage)';
  const title = `${kind}: ${dataset.name} ${split}`;
  const className = (label: number) => dataset.classes[label] ?? String(label);
  await writePanelGrid(options.out, {
    title,
    columnTitles: ['image', ...runs.map((r) => r.label)],
    rowTitles: Array.from(indices, (i) => className(source.labels[i]).slice(0, 12)),
    cells,
    panelSize,
    footnote: options.cam ? `red: CAM box at threshold ${options.camThreshold} x max; green: ground truth` : 'blue: low, red: high (each map min-max normalised)',
  });

  const storeImageMaps = height * width <= MAX_STORED_PIXELS;
  const json = path.join(path.dirname(options.out), `${path.basename(options.out, path.extname(options.out))}.json`);
  writeJsonAtomic(json, {
    figure: options.cam ? 'attention-cam' : 'attention',
    title,
    png: path.basename(options.out),
    dataset: dataset.name,
    split,
    image_size: [height, width],
    formula: options.cam
      ? 'CAM of the predicted class: features . classifier weights, bilinear (half-pixel centres) to the image, min-max normalised; box: largest 8-connected region >= threshold x max'
      : 'sum over channels of A^2 (A: last convolutional stage), bilinear (half-pixel centres) to the image, min-max normalised to [0, 1]',
    cam_threshold: options.cam ? options.camThreshold : undefined,
    images: Array.from(indices, (index) => ({ index, label: source.labels[index], class: className(source.labels[index]) })),
    runs: runs.map((run, r) => {
      const maps = perRun[r];
      return {
        run: run.dir,
        label: run.label,
        feature_shape: maps.featureShape,
        localization: maps.localization && {
          images: indices.length,
          top1_cls: round(maps.localization.top1Cls),
          gt_known_loc: round(maps.localization.gtKnownLoc),
          top1_loc: round(maps.localization.top1Loc),
        },
        maps: maps.maps.map((map, k) => ({
          index: indices[k],
          predicted: maps.predicted[k],
          scores: Array.from(maps.scores[k], (x) => round(x, 6)),
          map: storeImageMaps ? Array.from(map, (x) => round(x)) : undefined,
          ...(maps.localization ? { box: maps.localization.boxes[k].box, ground_truth: maps.localization.boxes[k].groundTruth, iou: round(maps.localization.boxes[k].iou) } : {}),
        })),
      };
    }),
  });
  return { png: options.out, json };
}
