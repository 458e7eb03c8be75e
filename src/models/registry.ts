// Every backbone gridmix knows, by the name configs use, and the one factory that builds them.
// Adding a backbone: an entry point in its family's file plus one line here.
import { UserError } from '../errors';
import { Rng } from '../engine/rng';
import type { Architecture } from './architecture';
import { Backbone } from './backbone';
import type { BuilderArgs } from './builder-args';
import { InputTooSmallError } from './layer';
import { preresnet101, wrn28_4 } from './preresnet';
import { resnet101, resnet18, resnet20, resnet50, resnext50_32x4d } from './resnet';
import { vgg11_bn, vgg16_bn, vgg16_gap, vgg19_bn, vgg_small } from './vgg';

export interface BackboneEntry {
  build: (args: BuilderArgs) => Architecture;
  /** One line for `gridmix` listings: what it is and where the paper uses it. */
  description: string;
}

export const BACKBONES = {
  vgg11_bn: { build: vgg11_bn, description: 'VGG-11 with batch norm (Tables 1, 6: TinyImageNet)' },
  vgg16_bn: { build: vgg16_bn, description: 'VGG-16 with batch norm' },
  vgg19_bn: { build: vgg19_bn, description: 'VGG-19 with batch norm (Tables 1, 3, 4, 6: CIFAR-100, TinyImageNet)' },
  vgg16_gap: { build: vgg16_gap, description: 'VGG-16 (BN) with global average pooling for CAM localisation (Table 5: CUB-200-2011)' },
  resnet18: { build: resnet18, description: 'ResNet-18' },
  resnet50: { build: resnet50, description: 'ResNet-50 (Tables 1, 2, 6: TinyImageNet, ImageNet)' },
  resnet101: { build: resnet101, description: 'ResNet-101 (Tables 1, 3: CIFAR-100)' },
  preresnet101: { build: preresnet101, description: 'pre-activation ResNet-101 (Table 1: CIFAR-100)' },
  wrn28_4: { build: wrn28_4, description: 'WideResNet-28-4, a CIFAR network (Table 1: CIFAR-100)' },
  resnext50_32x4d: { build: resnext50_32x4d, description: 'ResNeXt-50 32x4d (Tables 1, 6: TinyImageNet)' },
  resnet20: { build: resnet20, description: 'CIFAR ResNet-20, 0.27M parameters: CPU-scale experiments' },
  vgg_small: { build: vgg_small, description: 'a 4-conv VGG with batch norm, 0.39M parameters: CPU-scale experiments' },
} as const satisfies Record<string, BackboneEntry>;

export type BackboneName = keyof typeof BACKBONES;
export const BACKBONE_NAMES = Object.keys(BACKBONES) as BackboneName[];

export interface CreateModelArgs extends BuilderArgs {
  /** Seed for the initial weights (used when rng is absent; default 0). */
  seed?: number;
  /** Draws the initial weights; takes precedence over seed. */
  rng?: Rng;
}

export function isBackboneName(name: string): name is BackboneName {
  return Object.prototype.hasOwnProperty.call(BACKBONES, name);
}

function checkPositiveInteger(key: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new UserError(`${key} must be a positive integer, got ${value}`);
}

/** The backbone's structure, shapes known, no weights allocated. */
export function buildArchitecture(name: string, args: BuilderArgs): Architecture {
  if (!isBackboneName(name)) throw new UserError(`unknown backbone "${name}"; pick one of: ${BACKBONE_NAMES.join(', ')}`);
  checkPositiveInteger('numClasses', args.numClasses);
  checkPositiveInteger('inputSize', args.inputSize);
  checkPositiveInteger('inChannels', args.inChannels);
  if (args.widthScale !== undefined && !(args.widthScale > 0)) throw new UserError(`widthScale must be > 0, got ${args.widthScale}`);
  try {
    return BACKBONES[name].build(args);
  } catch (err) {
    if (err instanceof InputTooSmallError) {
      throw new UserError(`backbone "${name}" cannot take ${args.inputSize}x${args.inputSize} inputs: ${err.message}`);
    }
    throw err;
  }
}

/** Builds the backbone and allocates its weights, initialised from the seeded Rng. */
export function createModel(name: string, args: CreateModelArgs): Backbone {
  const architecture = buildArchitecture(name, args);
  return new Backbone(architecture, args.rng ?? new Rng(args.seed ?? 0));
}
