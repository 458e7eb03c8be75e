// What sits on the last feature map: f_g, the backbone's ordinary classifier (global average pooling
// + linear for ResNets and small-image VGGs, torchvision's 3-layer MLP for ImageNet VGGs), and f_l,
// GridMix's local head (PAPER.md): the feature map adaptive-average-pooled to N x N, then one 1x1 conv
// to class logits per cell. A 1x1 conv's weights do not depend on N, so one local head serves every
// grid size, a random N per batch included.
import * as tf from '@tensorflow/tfjs';
import * as ops from '../engine/ops';
import { childName, type ForwardContext, type MapShape, type SummaryRow } from './layer';
import { Conv2d, dropout, Linear, MaxPool2d, runLayers, shapeThrough } from './primitive-layers';
import { parameterCount, type Initializer, type Param } from './param';

/** f_g: feature map [B, h, w, C] -> logits [B, K]. */
export interface ClassifierHead {
  forward(features: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D;
  describe(input: MapShape): SummaryRow[];
  parameters(): Param[];
  /**
   * The [C, K] weight of a linear layer applied straight to the global average of the feature map, if
   * that is what this head is: then class k's activation map (CAM, Zhou et al. 2016) is features . W[:, k].
   */
  camWeight(): Param<tf.Rank.R2> | undefined;
}

/** How the family initialises its classifier (torchvision differs between VGG and ResNet). */
export interface LinearInit {
  weight: (fanIn: number) => Initializer;
  bias: (fanIn: number) => Initializer;
}

export interface PooledLinearHeadArgs {
  /** Max pools applied first (a VGG table's trailing 'M's); none for ResNets. */
  pools: MaxPool2d[];
  inChannels: number;
  numClasses: number;
  init: LinearInit;
  name: string;
}

/** [max pools] -> global average pooling -> linear. */
export class PooledLinearHead implements ClassifierHead {
  private readonly pools: MaxPool2d[];
  private readonly fc: Linear;

  constructor(args: PooledLinearHeadArgs) {
    this.pools = args.pools;
    this.fc = new Linear(args.name, {
      inFeatures: args.inChannels,
      outFeatures: args.numClasses,
      weightInit: args.init.weight(args.inChannels),
      biasInit: args.init.bias(args.inChannels),
    });
  }

  forward(features: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D {
    return this.fc.forward(ops.globalAvgPool(runLayers(this.pools, features, ctx)));
  }

  describe(input: MapShape): SummaryRow[] {
    const pooled = shapeThrough(this.pools, input);
    return [
      ...this.pools.map((pool, i) => ({ name: pool.name, outputShape: shapeThrough(this.pools.slice(0, i + 1), input), parameters: 0 })),
      { name: 'global_pool', outputShape: [pooled[2]], parameters: 0 },
      { name: this.fc.name, outputShape: [this.fc.args.outFeatures], parameters: parameterCount(this.fc.parameters()) },
    ];
  }

  parameters(): Param[] {
    return this.fc.parameters();
  }

  camWeight(): Param<tf.Rank.R2> | undefined {
    return this.pools.length === 0 ? this.fc.weight : undefined;
  }
}

export interface VggMlpHeadArgs {
  finalPool: MaxPool2d;
  inChannels: number;
  hidden: number;
  numClasses: number;
  init: LinearInit;
}

/**
 * torchvision's VGG classifier: pool5 -> AdaptiveAvgPool(7x7) -> flatten -> Linear(C*49, 4096) -> ReLU ->
 * Dropout(0.5) -> Linear(4096, 4096) -> ReLU -> Dropout(0.5) -> Linear(4096, K). The flatten is in NHWC
 * order (h, w, c); torchvision flattens (c, h, w): transpose fc1's rows to load its weights.
 */
export class VggMlpHead implements ClassifierHead {
  static readonly poolSize = 7;
  static readonly dropoutRate = 0.5;
  private readonly finalPool: MaxPool2d;
  private readonly fcs: [Linear, Linear, Linear];

  constructor(args: VggMlpHeadArgs) {
    this.finalPool = args.finalPool;
    const flat = args.inChannels * VggMlpHead.poolSize ** 2;
    const linear = (index: number, inFeatures: number, outFeatures: number) =>
      new Linear(childName('classifier', index), {
        inFeatures,
        outFeatures,
        weightInit: args.init.weight(inFeatures),
        biasInit: args.init.bias(inFeatures),
      });
    // Indices as in torchvision's nn.Sequential: 0 Linear, 1 ReLU, 2 Dropout, 3 Linear, 4 ReLU, 5 Dropout, 6 Linear.
    this.fcs = [linear(0, flat, args.hidden), linear(3, args.hidden, args.hidden), linear(6, args.hidden, args.numClasses)];
  }

  forward(features: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D {
    const size = VggMlpHead.poolSize;
    const pooled = ops.adaptiveAvgPool(this.finalPool.forward(features), size, size);
    let h = tf.reshape(pooled, [pooled.shape[0], -1]) as tf.Tensor2D;
    h = dropout(ops.relu(this.fcs[0].forward(h)), VggMlpHead.dropoutRate, ctx);
    h = dropout(ops.relu(this.fcs[1].forward(h)), VggMlpHead.dropoutRate, ctx);
    return this.fcs[2].forward(h);
  }

  describe(input: MapShape): SummaryRow[] {
    const size = VggMlpHead.poolSize;
    return [
      { name: this.finalPool.name, outputShape: this.finalPool.outputShape(input), parameters: 0 },
      { name: 'avgpool', outputShape: [size, size, input[2]], parameters: 0 },
      ...this.fcs.map((fc) => ({ name: fc.name, outputShape: [fc.args.outFeatures], parameters: parameterCount(fc.parameters()) })),
    ];
  }

  parameters(): Param[] {
    return this.fcs.flatMap((fc) => fc.parameters());
  }

  camWeight(): undefined {
    return undefined;
  }
}

/** f_l: feature map [B, h, w, C] -> adaptive average pool to N x N -> 1x1 conv -> [B, N, N, K]. */
export class LocalHead {
  static readonly paramName = 'local_head';
  private readonly conv: Conv2d;

  /** Initialised like the family's classifier f_g: both are linear maps from C features to K classes. */
  constructor(inChannels: number, numClasses: number, init: LinearInit) {
    this.conv = new Conv2d(LocalHead.paramName, {
      inChannels,
      outChannels: numClasses,
      kernelSize: 1,
      padding: 0,
      bias: true,
      weightInit: init.weight(inChannels),
      biasInit: init.bias(inChannels),
    });
  }

  forward(features: tf.Tensor4D, grid: number): tf.Tensor4D {
    if (!Number.isInteger(grid) || grid < 1) throw new Error(`local head: grid must be a positive integer, got ${grid}`);
    return this.conv.forward(ops.adaptiveAvgPool(features, grid, grid));
  }

  describe(input: MapShape, grid: number): SummaryRow {
    return { name: `${LocalHead.paramName} (${grid}x${grid})`, outputShape: [grid, grid, this.conv.outputShape(input)[2]], parameters: parameterCount(this.parameters()) };
  }

  parameters(): Param[] {
    return this.conv.parameters();
  }
}

