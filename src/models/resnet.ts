// ResNet (He et al. 2015), ResNeXt (Xie et al. 2017) and the CIFAR ResNet-20 (He et al. 2015, Sec. 4.2)
// as timm writes them: one builder, variants as argument sets (ResNeXt is a ResNet with grouped
// bottlenecks), short named entry points. The pre-activation variants are in preresnet.ts.
//
// Input variants (src/models/builder-args.ts):
// - ImageNet (>= 128 px): torchvision exactly: 7x7 stride-2 conv, BN, ReLU, 3x3 stride-2 max pool,
//   four stages (strides 1, 2, 2, 2; stride on the bottleneck's 3x3 conv), global average pool, fc.
// - Small images (CIFAR 32, TinyImageNet 64, Fashion-MNIST 28): the usual adaptation (kuangliu's
//   pytorch-cifar, the MixUp/CutMix CIFAR code): a 3x3 stride-1 stem conv and no stem max pool; the
//   stages are unchanged, so the last map is 4x4 at 32 px (the paper's 4x4 grid) and 8x8 at 64 px.
// - resnet20 is the CIFAR network at every input size: 3x3 stem to 16 channels, 3 stages of 3 basic
//   blocks at 16/32/64 channels (strides 1, 2, 2), last map 8x8 at 32 px, 7x7 at 28 px. Where the
//   shape changes its shortcut is the 1x1 conv + BN projection (option B in He et al.; the paper's
//   CIFAR table used the parameter-free zero-padding option A): 272,474 parameters for 10 classes
//   instead of the paper's 0.27M (269,722 with option A).
// Init as torchvision: convs kaiming normal (fan_out, relu); BN 1/0; fc PyTorch's default uniform.
import type { Architecture } from './architecture';
import { BasicBlock, Bottleneck, ConvBnRelu, PreActivation, type ResidualBlockClass } from './blocks';
import { inputVariant, pytorchLinearInit, scaledWidth, type BuilderArgs } from './builder-args';
import { LocalHead, PooledLinearHead } from './heads';
import { childName, type Layer } from './layer';
import { Conv2d, MaxPool2d, shapeThrough } from './primitive-layers';

export interface ResNetArgs {
  block: ResidualBlockClass;
  /** Pre-activation network (He et al. 2016): bare stem conv on small images, a final BN-ReLU. */
  preActivation: boolean;
  /** Blocks per stage. */
  layers: readonly number[];
  /** "planes" of each stage (a bottleneck's output is 4x that). The first stage has stride 1, the others 2. */
  planes: readonly number[];
  stemWidth: number;
  /** 'by-input': ImageNet stem at >= 128 px, 3x3 stride-1 stem below; 'small': 3x3 stride-1 stem at every size. */
  stem: 'by-input' | 'small';
  groups?: number;
  widthPerGroup?: number;
}

function stemLayers(resnet: ResNetArgs, args: BuilderArgs, stemWidth: number): Layer[] {
  const imagenet = resnet.stem === 'by-input' && inputVariant(args.inputSize) === 'imagenet';
  if (imagenet) {
    return [
      new ConvBnRelu('conv1', { inChannels: args.inChannels, outChannels: stemWidth, kernelSize: 7, stride: 2, padding: 3, convName: 'conv1', bnName: 'bn1' }),
      new MaxPool2d('maxpool', 3, 2, 1),
    ];
  }
  // A pre-activation network's first block starts with BN-ReLU itself.
  if (resnet.preActivation) return [new Conv2d('conv1', { inChannels: args.inChannels, outChannels: stemWidth, kernelSize: 3, stride: 1, padding: 1 })];
  return [new ConvBnRelu('conv1', { inChannels: args.inChannels, outChannels: stemWidth, kernelSize: 3, stride: 1, padding: 1, convName: 'conv1', bnName: 'bn1' })];
}

export function buildResNet(name: string, resnet: ResNetArgs, args: BuilderArgs): Architecture {
  const stemWidth = scaledWidth(resnet.stemWidth, args);
  const features: Layer[] = stemLayers(resnet, args, stemWidth);
  let channels = stemWidth;
  resnet.layers.forEach((blocks, stage) => {
    for (let i = 0; i < blocks; i++) {
      const block = new resnet.block(childName(`layer${stage + 1}`, i), {
        inChannels: channels,
        planes: scaledWidth(resnet.planes[stage], args),
        stride: i === 0 && stage > 0 ? 2 : 1,
        groups: resnet.groups,
        widthPerGroup: resnet.widthPerGroup,
      });
      features.push(block);
      channels = block.outChannels;
    }
  });
  if (resnet.preActivation) features.push(new PreActivation('final_bn', channels));
  const inputShape = [args.inputSize, args.inputSize, args.inChannels] as const;
  shapeThrough(features, inputShape); // fails early on an input too small for the network
  return {
    name,
    numClasses: args.numClasses,
    inputShape,
    variant: resnet.stem === 'by-input' ? inputVariant(args.inputSize) : 'small',
    features,
    classifier: new PooledLinearHead({ pools: [], inChannels: channels, numClasses: args.numClasses, init: pytorchLinearInit, name: 'fc' }),
    localHead: args.localHead ? new LocalHead(channels, args.numClasses, pytorchLinearInit) : undefined,
  };
}

const IMAGENET_PLANES = [64, 128, 256, 512] as const;

const resnetArgs = (block: ResidualBlockClass, layers: readonly number[]): ResNetArgs => ({
  block,
  preActivation: false,
  layers,
  planes: IMAGENET_PLANES,
  stemWidth: 64,
  stem: 'by-input',
});

export const resnet18 = (args: BuilderArgs) => buildResNet('resnet18', resnetArgs(BasicBlock, [2, 2, 2, 2]), args);
export const resnet50 = (args: BuilderArgs) => buildResNet('resnet50', resnetArgs(Bottleneck, [3, 4, 6, 3]), args);
export const resnet101 = (args: BuilderArgs) => buildResNet('resnet101', resnetArgs(Bottleneck, [3, 4, 23, 3]), args);
export const resnext50_32x4d = (args: BuilderArgs) =>
  buildResNet('resnext50_32x4d', { ...resnetArgs(Bottleneck, [3, 4, 6, 3]), groups: 32, widthPerGroup: 4 }, args);
export const resnet20 = (args: BuilderArgs) =>
  buildResNet('resnet20', { block: BasicBlock, preActivation: false, layers: [3, 3, 3], planes: [16, 32, 64], stemWidth: 16, stem: 'small' }, args);
