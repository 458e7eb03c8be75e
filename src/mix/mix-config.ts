// The method's part of an experiment config, and its conversion to each method's checked XArgs.
// The config schema validates too; these checks keep a method from ever running on values that
// make no sense (a programmatic caller, a preview flag) and name the key, value and what is allowed.
import { UserError } from '../errors';
import { CUTMIX_DEFAULTS, type CutmixArgs } from './cutmix';
import { GRIDMIX_DEFAULTS, type GridmixArgs } from './gridmix';
import { MIXUP_DEFAULTS, type MixupArgs } from './mixup';

/** Flat, as in results' summary.json: method name plus whichever of its options are set. */
export interface MixMethodConfig {
  method: string;
  /** MixUp / CutMix: Beta(alpha, alpha). Default 1.0. */
  alpha?: number;
  /** GridMix: cells per side, or 'random'. Default 4. */
  grid?: number | 'random';
  /** GridMix with grid 'random': the sizes drawn from. Default [2, 4, 8]. */
  gridChoices?: readonly number[];
  /** GridMix: probability that a cell keeps image A. Default 0.8. */
  p?: number;
  /** GridMix: weight of the local loss (Eq. 4); 0 = without Eq. (4). Default 0.15. */
  gamma?: number;
}

export function mixupArgs(config: MixMethodConfig): MixupArgs {
  const alpha = config.alpha ?? MIXUP_DEFAULTS.alpha;
  // alpha = 0 is the reference code's "no mixing" (lambda = 1).
  check(Number.isFinite(alpha) && alpha >= 0, 'mixup alpha', alpha, 'a number >= 0');
  return { alpha };
}

export function cutmixArgs(config: MixMethodConfig): CutmixArgs {
  const alpha = config.alpha ?? CUTMIX_DEFAULTS.alpha;
  check(Number.isFinite(alpha) && alpha > 0, 'cutmix alpha', alpha, 'a number > 0');
  return { alpha };
}

export function gridmixArgs(config: MixMethodConfig): GridmixArgs {
  const grid = config.grid ?? GRIDMIX_DEFAULTS.grid;
  const gridChoices = config.gridChoices ?? GRIDMIX_DEFAULTS.gridChoices;
  const p = config.p ?? GRIDMIX_DEFAULTS.p;
  const gamma = config.gamma ?? GRIDMIX_DEFAULTS.gamma;
  check(grid === 'random' || isGridSize(grid), 'gridmix grid', grid, 'an integer >= 1 or "random"');
  check(gridChoices.length > 0 && gridChoices.every(isGridSize), 'gridmix gridChoices', gridChoices, 'a non-empty list of integers >= 1');
  check(Number.isFinite(p) && p >= 0 && p <= 1, 'gridmix p', p, 'a number in [0, 1]');
  check(Number.isFinite(gamma) && gamma >= 0, 'gridmix gamma', gamma, 'a number >= 0');
  return { grid, gridChoices: [...gridChoices], p, gamma };
}

function isGridSize(n: unknown): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1;
}

function check(ok: boolean, key: string, value: unknown, allowed: string): void {
  if (!ok) throw new UserError(`${key}: ${JSON.stringify(value)} is not allowed; use ${allowed}`);
}
