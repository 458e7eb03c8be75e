// The model side of the two interfaces every method, backbone and dataset meets at
// (the other is MixedBatch in src/mix/mix-method.ts).
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../engine/rng';

/** What kind of parameter a variable is: weight decay skips 'bias' and 'bn' unless configured. */
export type ParameterKind = 'weight' | 'bias' | 'bn';

export interface NamedVariable {
  /** Stable, unique, path-like name ("layer1.0.conv1.weight"): the key in checkpoints. */
  name: string;
  variable: tf.Variable;
  kind: ParameterKind;
}

export interface ForwardOptions {
  /** Training mode: batch statistics in batch norm (and running averages updated). */
  training: boolean;
  /** When set, also compute the local head f_l for an N x N grid (cellLogits). */
  grid?: number;
  /** Draws dropout masks in training (torchvision's ImageNet VGG heads); the model's own seeded stream if absent. */
  rng?: Rng;
}

export interface ModelOutput {
  /** f_g: [B, K] class logits. */
  logits: tf.Tensor2D;
  /** The last convolutional stage's feature map, [B, h, w, C] (CAM, attention maps, the local head). */
  features: tf.Tensor4D;
  /** f_l: [B, N, N, K] logits per grid cell, when ForwardOptions.grid was given. */
  cellLogits?: tf.Tensor4D;
}

export interface Model {
  readonly name: string;
  readonly numClasses: number;
  forward(x: tf.Tensor4D, options: ForwardOptions): ModelOutput;
  /** Trainable parameters (what SGD updates). */
  parameters(): NamedVariable[];
  /** Non-trainable state saved in checkpoints (batch-norm running mean/variance). */
  buffers(): NamedVariable[];
  dispose(): void;
}
