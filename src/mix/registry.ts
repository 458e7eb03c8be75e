// Every mixing method by name, and the one factory the rest of gridmix uses. Adding a method is
// one file plus one line here.
import { UserError } from '../errors';
import { Baseline } from './baseline';
import { Cutmix } from './cutmix';
import { Gridmix } from './gridmix';
import { cutmixArgs, gridmixArgs, mixupArgs, type MixMethodConfig } from './mix-config';
import type { MixMethod } from './mix-method';
import { Mixup } from './mixup';

export const MIX_METHODS = {
  baseline: () => new Baseline(),
  mixup: (config: MixMethodConfig) => new Mixup(mixupArgs(config)),
  cutmix: (config: MixMethodConfig) => new Cutmix(cutmixArgs(config)),
  gridmix: (config: MixMethodConfig) => new Gridmix(gridmixArgs(config)),
} as const satisfies Record<string, (config: MixMethodConfig) => MixMethod>;

export type MixMethodName = keyof typeof MIX_METHODS;
export const MIX_METHOD_NAMES = Object.keys(MIX_METHODS) as MixMethodName[];

export function isMixMethodName(name: string): name is MixMethodName {
  return Object.prototype.hasOwnProperty.call(MIX_METHODS, name);
}

/** The method a config names, with its options checked and defaults filled. */
export function createMixMethod(config: MixMethodConfig): MixMethod {
  if (!isMixMethodName(config.method)) {
    throw new UserError(`unknown method "${config.method}"; pick one of: ${MIX_METHOD_NAMES.join(', ')}`);
  }
  return MIX_METHODS[config.method](config);
}

export type { MixMethodConfig } from './mix-config';
