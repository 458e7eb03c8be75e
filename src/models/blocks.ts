// The blocks the backbones are made of: conv + batch norm (+ ReLU), ResNet's basic and bottleneck
// blocks (He et al. 2015, torchvision's layout: stride on the 3x3 conv, "ResNet v1.5"), and their
// pre-activation versions (He et al. 2016, "Identity mappings"), which PreResNet and WideResNet use.
// Parameter names follow torchvision / the usual PyTorch code so checkpoints read alike.
import * as tf from '@tensorflow/tfjs';
import * as ops from '../engine/ops';
import { childName, type ForwardContext, type Layer, type MapShape } from './layer';
import { BatchNorm2d, Conv2d, shapeThrough } from './primitive-layers';
import type { Param } from './param';

function allParameters(layers: readonly (Layer | undefined)[]): Param[] {
  return layers.flatMap((layer) => (layer ? layer.parameters() : []));
}

function allBuffers(layers: readonly (Layer | undefined)[]): Param[] {
  return layers.flatMap((layer) => (layer ? layer.buffers() : []));
}

export interface ConvBnReluArgs {
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  stride?: number;
  padding?: number;
  groups?: number;
  /** VGG's convolutions keep their bias even before batch norm (torchvision does). */
  convBias?: boolean;
  relu?: boolean;
  /** Parameter paths of the conv and the norm (torchvision's VGG numbers them "features.0", "features.1"). */
  convName: string;
  bnName: string;
}

/** conv -> batch norm -> ReLU: a VGG layer, a ResNet stem. */
export class ConvBnRelu implements Layer {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  private readonly relu: boolean;

  constructor(readonly name: string, args: ConvBnReluArgs) {
    this.conv = new Conv2d(args.convName, {
      inChannels: args.inChannels,
      outChannels: args.outChannels,
      kernelSize: args.kernelSize,
      stride: args.stride,
      padding: args.padding,
      groups: args.groups,
      bias: args.convBias ?? false,
    });
    this.bn = new BatchNorm2d(args.bnName, args.outChannels);
    this.relu = args.relu ?? true;
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return this.bn.forward(this.conv.forward(x), ctx, this.relu);
  }

  outputShape(input: MapShape): MapShape {
    return this.conv.outputShape(input);
  }

  parameters(): Param[] {
    return allParameters([this.conv, this.bn]);
  }

  buffers(): Param[] {
    return allBuffers([this.conv, this.bn]);
  }
}

/** What every residual block is told: its input width, its "planes", its stride. */
export interface ResidualBlockArgs {
  inChannels: number;
  planes: number;
  stride: number;
  /** Grouped 3x3 convolution (ResNeXt); bottleneck only. */
  groups?: number;
  /** Channels per group at planes = 64 (ResNeXt's "d"); bottleneck only. */
  widthPerGroup?: number;
}

export interface ResidualBlock extends Layer {
  readonly outChannels: number;
}

/** torchvision's downsample: 1x1 conv (stride) + batch norm, when the shape changes. */
class ProjectionShortcut implements Layer {
  private readonly conv: Conv2d;
  private readonly bn: BatchNorm2d;

  constructor(readonly name: string, inChannels: number, outChannels: number, stride: number) {
    this.conv = new Conv2d(childName(name, 0), { inChannels, outChannels, kernelSize: 1, stride, padding: 0 });
    this.bn = new BatchNorm2d(childName(name, 1), outChannels);
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return this.bn.forward(this.conv.forward(x), ctx);
  }

  outputShape(input: MapShape): MapShape {
    return this.conv.outputShape(input);
  }

  parameters(): Param[] {
    return allParameters([this.conv, this.bn]);
  }

  buffers(): Param[] {
    return allBuffers([this.conv, this.bn]);
  }
}

function needsProjection(inChannels: number, outChannels: number, stride: number): boolean {
  return stride !== 1 || inChannels !== outChannels;
}

/** Two 3x3 convs (ResNet-18/34, CIFAR ResNet-20). */
export class BasicBlock implements ResidualBlock {
  readonly outChannels: number;
  private readonly conv1: ConvBnRelu;
  private readonly conv2: ConvBnRelu;
  private readonly downsample: ProjectionShortcut | undefined;

  constructor(readonly name: string, args: ResidualBlockArgs) {
    const { inChannels, planes, stride } = args;
    this.outChannels = planes;
    const n = (child: string) => childName(name, child);
    this.conv1 = new ConvBnRelu(n('conv1'), { inChannels, outChannels: planes, kernelSize: 3, stride, convName: n('conv1'), bnName: n('bn1') });
    this.conv2 = new ConvBnRelu(n('conv2'), { inChannels: planes, outChannels: planes, kernelSize: 3, relu: false, convName: n('conv2'), bnName: n('bn2') });
    this.downsample = needsProjection(inChannels, planes, stride) ? new ProjectionShortcut(n('downsample'), inChannels, planes, stride) : undefined;
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    const residual = this.conv2.forward(this.conv1.forward(x, ctx), ctx);
    const shortcut = this.downsample ? this.downsample.forward(x, ctx) : x;
    return ops.addRelu(residual, shortcut);
  }

  outputShape(input: MapShape): MapShape {
    return shapeThrough([this.conv1, this.conv2], input);
  }

  parameters(): Param[] {
    return allParameters([this.conv1, this.conv2, this.downsample]);
  }

  buffers(): Param[] {
    return allBuffers([this.conv1, this.conv2, this.downsample]);
  }
}

/** torchvision's bottleneck width: int(planes * widthPerGroup / 64) * groups (at least one channel per group). */
function bottleneckWidth(args: ResidualBlockArgs): number {
  const perGroup = Math.floor((args.planes * (args.widthPerGroup ?? 64)) / 64);
  return Math.max(1, perGroup) * (args.groups ?? 1);
}

/** 1x1 reduce, 3x3 (stride, groups), 1x1 expand x4 (ResNet-50/101, ResNeXt). */
export class Bottleneck implements ResidualBlock {
  static readonly expansion = 4;
  readonly outChannels: number;
  private readonly conv1: ConvBnRelu;
  private readonly conv2: ConvBnRelu;
  private readonly conv3: ConvBnRelu;
  private readonly downsample: ProjectionShortcut | undefined;

  constructor(readonly name: string, args: ResidualBlockArgs) {
    const { inChannels, planes, stride } = args;
    const width = bottleneckWidth(args);
    this.outChannels = planes * Bottleneck.expansion;
    const n = (child: string) => childName(name, child);
    this.conv1 = new ConvBnRelu(n('conv1'), { inChannels, outChannels: width, kernelSize: 1, convName: n('conv1'), bnName: n('bn1') });
    this.conv2 = new ConvBnRelu(n('conv2'), {
      inChannels: width, outChannels: width, kernelSize: 3, stride, groups: args.groups, convName: n('conv2'), bnName: n('bn2'),
    });
    this.conv3 = new ConvBnRelu(n('conv3'), { inChannels: width, outChannels: this.outChannels, kernelSize: 1, relu: false, convName: n('conv3'), bnName: n('bn3') });
    this.downsample = needsProjection(inChannels, this.outChannels, stride)
      ? new ProjectionShortcut(n('downsample'), inChannels, this.outChannels, stride)
      : undefined;
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    const residual = this.conv3.forward(this.conv2.forward(this.conv1.forward(x, ctx), ctx), ctx);
    const shortcut = this.downsample ? this.downsample.forward(x, ctx) : x;
    return ops.addRelu(residual, shortcut);
  }

  outputShape(input: MapShape): MapShape {
    return shapeThrough([this.conv1, this.conv2, this.conv3], input);
  }

  parameters(): Param[] {
    return allParameters([this.conv1, this.conv2, this.conv3, this.downsample]);
  }

  buffers(): Param[] {
    return allBuffers([this.conv1, this.conv2, this.conv3, this.downsample]);
  }
}

/**
 * Pre-activation blocks (He et al. 2016; kuangliu's PreActResNet, Zagoruyko's WideResNet): BN-ReLU
 * comes before each conv, the shortcut adds the raw input, and when the shape changes the shortcut is
 * a bare 1x1 conv applied to the pre-activated input.
 */
export class PreActivation implements Layer {
  private readonly bn: BatchNorm2d;

  constructor(readonly name: string, channels: number) {
    this.bn = new BatchNorm2d(name, channels);
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return this.bn.forward(x, ctx, true);
  }

  outputShape(input: MapShape): MapShape {
    return input;
  }

  parameters(): Param[] {
    return this.bn.parameters();
  }

  buffers(): Param[] {
    return this.bn.buffers();
  }
}

/** The pre-activation residual unit: [BN-ReLU-conv] x k on the residual path. */
abstract class PreActBlockBase implements ResidualBlock {
  abstract readonly outChannels: number;
  protected abstract readonly units: ReadonlyArray<{ preact: PreActivation; conv: Conv2d }>;
  protected abstract readonly shortcut: Conv2d | undefined;

  constructor(readonly name: string) {}

  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    const [first, ...rest] = this.units;
    const activated = first.preact.forward(x, ctx);
    const shortcut = this.shortcut ? this.shortcut.forward(activated) : x;
    let h = first.conv.forward(activated);
    for (const unit of rest) h = unit.conv.forward(unit.preact.forward(h, ctx));
    return tf.add(h, shortcut);
  }

  outputShape(input: MapShape): MapShape {
    return shapeThrough(this.units.map((unit) => unit.conv), input);
  }

  private layers(): Layer[] {
    return [...this.units.flatMap((unit) => [unit.preact, unit.conv]), ...(this.shortcut ? [this.shortcut] : [])];
  }

  parameters(): Param[] {
    return allParameters(this.layers());
  }

  buffers(): Param[] {
    return allBuffers(this.layers());
  }
}

function preActShortcut(name: string, inChannels: number, outChannels: number, stride: number): Conv2d | undefined {
  return needsProjection(inChannels, outChannels, stride)
    ? new Conv2d(childName(name, 'shortcut'), { inChannels, outChannels, kernelSize: 1, stride, padding: 0 })
    : undefined;
}

/** Two 3x3 convs, pre-activated (WideResNet's block, without its optional dropout between the convs). */
export class PreActBasicBlock extends PreActBlockBase {
  readonly outChannels: number;
  protected readonly units;
  protected readonly shortcut;

  constructor(name: string, args: ResidualBlockArgs) {
    super(name);
    const { inChannels, planes, stride } = args;
    const n = (child: string) => childName(name, child);
    this.outChannels = planes;
    this.units = [
      { preact: new PreActivation(n('bn1'), inChannels), conv: new Conv2d(n('conv1'), { inChannels, outChannels: planes, kernelSize: 3, stride }) },
      { preact: new PreActivation(n('bn2'), planes), conv: new Conv2d(n('conv2'), { inChannels: planes, outChannels: planes, kernelSize: 3 }) },
    ];
    this.shortcut = preActShortcut(name, inChannels, planes, stride);
  }
}

/** 1x1, 3x3 (stride), 1x1 x4, pre-activated (PreResNet-101). */
export class PreActBottleneck extends PreActBlockBase {
  static readonly expansion = 4;
  readonly outChannels: number;
  protected readonly units;
  protected readonly shortcut;

  constructor(name: string, args: ResidualBlockArgs) {
    super(name);
    const { inChannels, planes, stride } = args;
    const width = bottleneckWidth(args);
    const n = (child: string) => childName(name, child);
    this.outChannels = planes * PreActBottleneck.expansion;
    this.units = [
      { preact: new PreActivation(n('bn1'), inChannels), conv: new Conv2d(n('conv1'), { inChannels, outChannels: width, kernelSize: 1 }) },
      {
        preact: new PreActivation(n('bn2'), width),
        conv: new Conv2d(n('conv2'), { inChannels: width, outChannels: width, kernelSize: 3, stride, groups: args.groups }),
      },
      { preact: new PreActivation(n('bn3'), width), conv: new Conv2d(n('conv3'), { inChannels: width, outChannels: this.outChannels, kernelSize: 1 }) },
    ];
    this.shortcut = preActShortcut(name, inChannels, this.outChannels, stride);
  }
}

/** A residual block class as the ResNet builder takes it. */
export interface ResidualBlockClass {
  new (name: string, args: ResidualBlockArgs): ResidualBlock;
}
