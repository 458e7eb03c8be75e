// VGG with batch norm (Simonyan & Zisserman 2015; torchvision's vgg*_bn), as timm writes it: the
// depths are a table of layer lists, one builder, short named entry points.
//
// Input variants (src/models/builder-args.ts):
// - ImageNet (>= 128 px): torchvision exactly: the table's convs (3x3, pad 1, with bias, then BN, ReLU)
//   and max pools, then AdaptiveAvgPool(7x7) and the 4096-4096-K MLP with dropout 0.5.
// - Small images (CIFAR 32, TinyImageNet 64, Fashion-MNIST 28): the same convs and pools, then global
//   average pooling and one Linear(512, K) (the usual CIFAR VGG; at 32 px the last pool leaves 1x1, so
//   the average is the plain flatten of that code, at 64 px it averages the 2x2 map).
// "features" (what the local head and CAM read) is the last conv layer's output, before the table's
// trailing max pool(s), which belong to f_g: the paper asks for the last convolutional feature map
// (2x2 for CIFAR VGG, 4x4 for TinyImageNet, 14x14 for ImageNet).
// Init as torchvision: convs kaiming normal (fan_out, relu) with zero bias; BN 1/0; linear N(0, 0.01), bias 0.
import type { Architecture } from './architecture';
import { ConvBnRelu } from './blocks';
import { inputVariant, scaledWidth, vggLinearInit, type BuilderArgs } from './builder-args';
import { LocalHead, PooledLinearHead, VggMlpHead, type ClassifierHead } from './heads';
import { type Layer } from './layer';
import { MaxPool2d, shapeThrough } from './primitive-layers';

/** A VGG table: output channels of a 3x3 conv layer, or 'M' for a 2x2 max pool with stride 2. */
export type VggLayerList = ReadonlyArray<number | 'M'>;

export const VGG_LAYERS = {
  vgg11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  vgg16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  vgg19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
  // VGG16-GAP for CAM (Zhou et al. 2016, as in the WSOL code the CutMix authors evaluate with): VGG16
  // without pool5, plus a 3x3 conv to 1024 channels, so the map CAM reads is 14x14 at 224 px.
  vgg16_gap: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 1024],
  // A VGG-style net that trains on 2 CPU cores: 4 convs, ~0.39M parameters, a 4x4 last map at 32 px
  // (the paper's 4x4 grid), 3x3 at Fashion-MNIST's 28 px.
  small: [32, 'M', 64, 'M', 128, 'M', 256],
} as const satisfies Record<string, VggLayerList>;

export interface VggArgs {
  layers: VggLayerList;
  /** 'by-input': torchvision's MLP at ImageNet size, pooled linear on small images; 'gap': pooled linear at every size (CAM). */
  classifier: 'by-input' | 'gap';
}

/** Conv layers and max pools numbered as torchvision's nn.Sequential ("features.0" conv, ".1" BN, ".2" ReLU). */
function vggLayers(layers: VggLayerList, args: BuilderArgs): Layer[] {
  const built: Layer[] = [];
  let index = 0;
  let channels = args.inChannels;
  for (const entry of layers) {
    if (entry === 'M') {
      built.push(new MaxPool2d(`features.${index}`, 2, 2));
      index += 1;
      continue;
    }
    const outChannels = scaledWidth(entry, args);
    built.push(
      new ConvBnRelu(`features.${index}`, {
        inChannels: channels,
        outChannels,
        kernelSize: 3,
        padding: 1,
        convBias: true,
        convName: `features.${index}`,
        bnName: `features.${index + 1}`,
      }),
    );
    channels = outChannels;
    index += 3;
  }
  return built;
}

export function buildVgg(name: string, vgg: VggArgs, args: BuilderArgs): Architecture {
  const layers = vggLayers(vgg.layers, args);
  let featureCount = layers.length;
  while (featureCount > 0 && layers[featureCount - 1] instanceof MaxPool2d) featureCount--;
  const features = layers.slice(0, featureCount);
  const trailingPools = layers.slice(featureCount) as MaxPool2d[];
  const inputShape = [args.inputSize, args.inputSize, args.inChannels] as const;
  const featureShape = shapeThrough(features, inputShape);
  shapeThrough(trailingPools, featureShape); // fails early on an input too small for the network
  const channels = featureShape[2];
  const variant = inputVariant(args.inputSize);

  let classifier: ClassifierHead;
  if (vgg.classifier === 'by-input' && variant === 'imagenet' && trailingPools.length === 1) {
    classifier = new VggMlpHead({
      finalPool: trailingPools[0],
      inChannels: channels,
      hidden: scaledWidth(4096, args),
      numClasses: args.numClasses,
      init: vggLinearInit,
    });
  } else {
    classifier = new PooledLinearHead({ pools: trailingPools, inChannels: channels, numClasses: args.numClasses, init: vggLinearInit, name: 'classifier' });
  }
  return {
    name,
    numClasses: args.numClasses,
    inputShape,
    variant,
    features,
    classifier,
    localHead: args.localHead ? new LocalHead(channels, args.numClasses, vggLinearInit) : undefined,
  };
}

export const vgg11_bn = (args: BuilderArgs) => buildVgg('vgg11_bn', { layers: VGG_LAYERS.vgg11, classifier: 'by-input' }, args);
export const vgg16_bn = (args: BuilderArgs) => buildVgg('vgg16_bn', { layers: VGG_LAYERS.vgg16, classifier: 'by-input' }, args);
export const vgg19_bn = (args: BuilderArgs) => buildVgg('vgg19_bn', { layers: VGG_LAYERS.vgg19, classifier: 'by-input' }, args);
export const vgg16_gap = (args: BuilderArgs) => buildVgg('vgg16_gap', { layers: VGG_LAYERS.vgg16_gap, classifier: 'gap' }, args);
export const vgg_small = (args: BuilderArgs) => buildVgg('vgg_small', { layers: VGG_LAYERS.small, classifier: 'gap' }, args);
