// What every building block of a backbone is: a named piece that maps one NHWC feature map to the
// next, can say its output shape without running (for summaries and parameter counts), and lists
// its parameters and buffers in a fixed order (the order initial values are drawn in).
import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '../engine/rng';
import type { Param } from './param';

/** [height, width, channels] of one sample's feature map (the batch dimension is left out). */
export type MapShape = readonly [height: number, width: number, channels: number];

/** One line of a model summary. */
export interface SummaryRow {
  name: string;
  /** Per-sample output shape: [h, w, c] for feature maps, [k] for logits. */
  outputShape: readonly number[];
  parameters: number;
}

export interface ForwardContext {
  /** Batch statistics (and running-average updates) in batch norm, dropout on. */
  training: boolean;
  /** Draws dropout masks in training. */
  rng: Rng;
}

export interface Layer {
  /** The layer's path in the model ("layer1.0"), the prefix of its parameters' names. */
  readonly name: string;
  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D;
  outputShape(input: MapShape): MapShape;
  parameters(): Param[];
  buffers(): Param[];
}

/** Joins a parent path and a child name the way PyTorch's state_dict does ("layer1" + "0"). */
export function childName(parent: string, child: string | number): string {
  return parent === '' ? String(child) : `${parent}.${child}`;
}

/** Thrown by shape inference when an input is too small for the network (a map shrinks to nothing). */
export class InputTooSmallError extends Error {}

export function checkedShape(layer: string, shape: MapShape): MapShape {
  if (shape[0] < 1 || shape[1] < 1) {
    throw new InputTooSmallError(`the feature map vanishes at ${layer} (${shape[0]}x${shape[1]})`);
  }
  return shape;
}
