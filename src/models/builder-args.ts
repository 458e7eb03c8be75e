// What every backbone builder is told, and the one rule that picks its input adaptation.
import type { InputVariant } from './architecture';
import type { LinearInit } from './heads';
import { pytorchDefaultUniform, zeros } from './param';

export interface BuilderArgs {
  numClasses: number;
  /** Input height = width in pixels. */
  inputSize: number;
  inChannels: number;
  /** Build GridMix's local head f_l (needed when the loss has gamma > 0). */
  localHead: boolean;
  /**
   * Multiplies every layer's channel count (at least 1 channel stays). 1 is the published network;
   * smaller values are for tests and smoke runs of the big backbones on a CPU.
   */
  widthScale?: number;
}

/**
 * Inputs of 128 px and more (ImageNet 224, CUB 224) get the torchvision ImageNet architecture exactly;
 * smaller ones (CIFAR 32, TinyImageNet 64, Fashion-MNIST 28) the usual small-image adaptation, which
 * each family's file describes.
 */
export const IMAGENET_MIN_INPUT = 128;

export function inputVariant(inputSize: number): InputVariant {
  return inputSize >= IMAGENET_MIN_INPUT ? 'imagenet' : 'small';
}

export function scaledWidth(width: number, args: BuilderArgs): number {
  return Math.max(1, Math.round(width * (args.widthScale ?? 1)));
}

/** PyTorch's default nn.Linear init (what torchvision's ResNets and the CIFAR reference code keep). */
export const pytorchLinearInit: LinearInit = { weight: pytorchDefaultUniform, bias: pytorchDefaultUniform };

/** torchvision's VGG init for linear layers: N(0, 0.01) weights, zero bias. */
export const vggLinearInit: LinearInit = { weight: () => ({ kind: 'normal', std: 0.01 }), bias: () => zeros };
