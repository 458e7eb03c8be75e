// The primitive layers: convolution, batch norm, max pooling, linear, dropout. Each holds Params and
// calls the engine's ops (src/engine/ops.ts), never tf.conv2d & co., so the gradients the engine
// supplies serve every backbone.
import * as tf from '@tensorflow/tfjs';
import * as ops from '../engine/ops';
import { checkedShape, childName, type ForwardContext, type Layer, type MapShape } from './layer';
import { kaimingNormalFanOut, ones, Param, zeros, type Initializer } from './param';

export interface Conv2dArgs {
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  stride?: number;
  /** Symmetric zero padding, as PyTorch's padding=. Defaults to kernelSize // 2. */
  padding?: number;
  groups?: number;
  bias?: boolean;
  /** Defaults to torchvision's kaiming normal (fan_out); the bias, when there is one, starts at 0. */
  weightInit?: Initializer;
  biasInit?: Initializer;
}

export class Conv2d implements Layer {
  readonly weight: Param<tf.Rank.R4>;
  readonly bias: Param<tf.Rank.R1> | undefined;
  private readonly stride: number;
  private readonly padding: number;
  private readonly groups: number;
  private readonly kernelSize: number;
  private readonly outChannels: number;

  constructor(readonly name: string, args: Conv2dArgs) {
    this.groups = args.groups ?? 1;
    if (args.inChannels % this.groups !== 0 || args.outChannels % this.groups !== 0) {
      throw new Error(`${name}: ${args.inChannels} -> ${args.outChannels} channels do not split into ${this.groups} groups`);
    }
    this.stride = args.stride ?? 1;
    this.padding = args.padding ?? Math.floor(args.kernelSize / 2);
    this.kernelSize = args.kernelSize;
    this.outChannels = args.outChannels;
    // NHWC filter layout [kh, kw, Cin / groups, Cout] (PyTorch's is [Cout, Cin / groups, kh, kw]).
    this.weight = new Param(
      childName(name, 'weight'),
      [args.kernelSize, args.kernelSize, args.inChannels / this.groups, args.outChannels],
      'weight',
      args.weightInit ?? kaimingNormalFanOut(args.kernelSize, args.outChannels),
    );
    this.bias = args.bias ? new Param(childName(name, 'bias'), [args.outChannels], 'bias', args.biasInit ?? zeros) : undefined;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return ops.conv2d(x, this.weight.value, {
      strides: this.stride,
      pad: this.padding,
      groups: this.groups,
      bias: this.bias?.value,
    });
  }

  outputShape([h, w]: MapShape): MapShape {
    const size = (n: number) => Math.floor((n + 2 * this.padding - this.kernelSize) / this.stride) + 1;
    return checkedShape(this.name, [size(h), size(w), this.outChannels]);
  }

  parameters(): Param[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  buffers(): Param[] {
    return [];
  }
}

/** PyTorch's BatchNorm2d defaults: running averages with momentum 0.1, eps 1e-5, weight 1, bias 0. */
export const BATCH_NORM_MOMENTUM = 0.1;
export const BATCH_NORM_EPSILON = 1e-5;

export class BatchNorm2d implements Layer {
  readonly weight: Param<tf.Rank.R1>;
  readonly bias: Param<tf.Rank.R1>;
  readonly runningMean: Param<tf.Rank.R1>;
  readonly runningVar: Param<tf.Rank.R1>;

  constructor(readonly name: string, channels: number) {
    this.weight = new Param(childName(name, 'weight'), [channels], 'bn', ones);
    this.bias = new Param(childName(name, 'bias'), [channels], 'bn', zeros);
    this.runningMean = new Param(childName(name, 'running_mean'), [channels], 'bn', zeros, false);
    this.runningVar = new Param(childName(name, 'running_var'), [channels], 'bn', ones, false);
  }

  /** `relu`: a ReLU follows (fused into the batch norm where the native kernels run). */
  forward(x: tf.Tensor4D, ctx: ForwardContext, relu = false): tf.Tensor4D {
    const gamma = this.weight.value ;
    const beta = this.bias.value ;
    if (!ctx.training) {
      const mean = this.runningMean.value ;
      const variance = this.runningVar.value ;
      return ops.batchNormInfer(x, gamma, beta, mean, variance, BATCH_NORM_EPSILON, { relu });
    }
    const { y, mean, variance } = ops.batchNormTrain(x, gamma, beta, BATCH_NORM_EPSILON, { relu });
    this.updateRunningStatistics(mean, variance, x.shape[0] * x.shape[1] * x.shape[2]);
    return y;
  }

  /** As PyTorch: the running variance averages the unbiased batch variance (n / (n - 1) times the population one). */
  private updateRunningStatistics(mean: tf.Tensor1D, variance: tf.Tensor1D, count: number): void {
    const unbiasing = count > 1 ? count / (count - 1) : 1;
    const m = BATCH_NORM_MOMENTUM;
    // Off the loss's path, so no gradient flows here even when the forward pass is taped.
    tf.tidy(() => {
      this.runningMean.value.assign(tf.add(tf.mul(this.runningMean.value, 1 - m), tf.mul(mean, m)));
      this.runningVar.value.assign(tf.add(tf.mul(this.runningVar.value, 1 - m), tf.mul(variance, m * unbiasing)));
    });
  }

  outputShape(input: MapShape): MapShape {
    return input;
  }

  parameters(): Param[] {
    return [this.weight, this.bias];
  }

  buffers(): Param[] {
    return [this.runningMean, this.runningVar];
  }
}

export class MaxPool2d implements Layer {
  constructor(readonly name: string, private readonly size: number, private readonly stride: number, private readonly padding = 0) {}

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return ops.maxPool(x, this.size, this.stride, this.padding);
  }

  outputShape([h, w, c]: MapShape): MapShape {
    const size = (n: number) => Math.floor((n + 2 * this.padding - this.size) / this.stride) + 1;
    return checkedShape(this.name, [size(h), size(w), c]);
  }

  parameters(): Param[] {
    return [];
  }

  buffers(): Param[] {
    return [];
  }
}

export interface LinearArgs {
  inFeatures: number;
  outFeatures: number;
  weightInit: Initializer;
  biasInit: Initializer;
}

/** A fully connected layer on [B, in] rows; the weight is [in, out] (PyTorch stores [out, in]). */
export class Linear {
  readonly weight: Param<tf.Rank.R2>;
  readonly bias: Param<tf.Rank.R1>;

  constructor(readonly name: string, readonly args: LinearArgs) {
    this.weight = new Param(childName(name, 'weight'), [args.inFeatures, args.outFeatures], 'weight', args.weightInit);
    this.bias = new Param(childName(name, 'bias'), [args.outFeatures], 'bias', args.biasInit);
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    return ops.linear(x, this.weight.value , this.bias.value );
  }

  parameters(): Param[] {
    return [this.weight, this.bias];
  }
}

/** Inverted dropout with masks drawn from the seeded Rng (tf.dropout would draw from tf's own generator). */
export function dropout(x: tf.Tensor2D, rate: number, ctx: ForwardContext): tf.Tensor2D {
  if (!ctx.training || rate === 0) return x;
  const keep = 1 - rate;
  const mask = new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = ctx.rng.uniform() < keep ? 1 / keep : 0;
  return tf.mul(x, tf.tensor2d(mask, x.shape));
}

/** Runs layers one after the other. */
export function runLayers(layers: readonly Layer[], x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
  let h = x;
  for (const layer of layers) h = layer.forward(h, ctx);
  return h;
}

export function shapeThrough(layers: readonly Layer[], input: MapShape): MapShape {
  return layers.reduce<MapShape>((shape, layer) => layer.outputShape(shape), input);
}
