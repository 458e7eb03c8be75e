// An Architecture given memory: the Model every training loop, evaluator and report talks to.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../engine/rng';
import { architectureBuffers, architectureParameters, type Architecture } from './architecture';
import { runLayers } from './primitive-layers';
import type { ForwardOptions, Model, ModelOutput, NamedVariable } from './model';
import type { Param } from './param';

export class Backbone implements Model {
  readonly name: string;
  readonly numClasses: number;
  private readonly params: Param[];
  private readonly bufferParams: Param[];
  /** Dropout's stream when the caller passes none (only torchvision's ImageNet VGG heads use dropout). */
  private readonly dropoutRng: Rng;

  /** Allocates every parameter and buffer, drawing initial values from rng in declaration order. */
  constructor(readonly architecture: Architecture, rng: Rng) {
    this.name = architecture.name;
    this.numClasses = architecture.numClasses;
    this.params = architectureParameters(architecture);
    this.bufferParams = architectureBuffers(architecture);
    const names = new Set<string>();
    for (const p of [...this.params, ...this.bufferParams]) {
      if (names.has(p.name)) throw new Error(`${this.name}: two parameters are named ${p.name}`);
      names.add(p.name);
      p.allocate(rng);
    }
    this.dropoutRng = rng.fork();
  }

  forward(x: tf.Tensor4D, options: ForwardOptions): ModelOutput {
    const [, , , channels] = x.shape;
    const expected = this.architecture.inputShape[2];
    if (channels !== expected) throw new Error(`${this.name} expects ${expected}-channel images, got ${channels}`);
    const { localHead } = this.architecture;
    if (options.grid !== undefined && !localHead) {
      throw new Error(`${this.name} was built without a local head (localHead: false) but forward asked for a ${options.grid}x${options.grid} grid`);
    }
    const ctx = { training: options.training, rng: options.rng ?? this.dropoutRng };
    return tf.tidy(() => {
      const features = runLayers(this.architecture.features, x, ctx);
      const logits = this.architecture.classifier.forward(features, ctx);
      const output: ModelOutput = { logits, features };
      if (options.grid !== undefined && localHead) output.cellLogits = localHead.forward(features, options.grid);
      return output as ModelOutput & tf.TensorContainerObject;
    });
  }

  /**
   * f_g's [C, K] class weights when f_g is global average pooling + linear on the feature map (ResNets,
   * WRN, vgg16_gap, vgg_small): class activation maps are features . W. Undefined for VGG heads that
   * max-pool first or use torchvision's MLP.
   */
  camWeights(): tf.Variable<tf.Rank.R2> | undefined {
    return this.architecture.classifier.camWeight()?.value;
  }

  parameters(): NamedVariable[] {
    return this.params.map((p) => p.asNamedVariable());
  }

  buffers(): NamedVariable[] {
    return this.bufferParams.map((p) => p.asNamedVariable());
  }

  dispose(): void {
    for (const p of [...this.params, ...this.bufferParams]) p.dispose();
  }
}
