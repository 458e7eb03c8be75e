// Parsers for numeric flags shared by the verbs: a bad value is a one-line commander error.
import { InvalidArgumentError } from 'commander';
import { BACKEND_CHOICES, type BackendChoice } from '../engine/backend';
import { UserError } from '../errors';

export function positiveIntFlag(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} expects a positive integer, got "${value}"`);
    return n;
  };
}

export function seedFlag(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expects an integer >= 0, got "${value}"`);
  return n;
}

export function seedListFlag(value: string): number[] {
  const seeds = value.split(',').map((s) => Number(s.trim()));
  if (seeds.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new InvalidArgumentError(`expects a comma-separated list of integers >= 0, got "${value}"`);
  }
  const repeated = seeds.find((s, i) => seeds.indexOf(s) !== i);
  if (repeated !== undefined) throw new InvalidArgumentError(`lists seed ${repeated} twice ("${value}"); each seed is one run`);
  return seeds;
}

/**
 * --backend: checked as a flag, so a wrong name is blamed on the flag, not on the config file.
 * A UserError passes through commander as it is: "gridmix: --backend: ..." like the verbs' own checks.
 */
export function backendFlag(value: string): BackendChoice {
  if (!(BACKEND_CHOICES as readonly string[]).includes(value)) throw new UserError(`--backend: "${value}" is not allowed; use one of: ${BACKEND_CHOICES.join(', ')}`);
  return value as BackendChoice;
}

/** A folder flag (--out, --results, --root, --data): an empty value names no folder. */
export function folderFlag(flag: string) {
  return (value: string): string => {
    if (value.trim() === '') throw new UserError(`${flag}: an empty path names no folder; give a folder path`);
    return value;
  };
}

/** The help text of --no-native, the same on every verb that selects a backend. */
export const NO_NATIVE_HELP = "plain wasm: don't use gridmix's native oneDNN kernels (overrides the config's native)";

/**
 * commander's `--no-native` sets opts.native to true when the flag is absent, which is
 * indistinguishable from a config's default: only an explicit false may override the config
 * (a config with native: false must stay false when the flag is not given).
 */
export function nativeOverride(native: boolean | undefined): false | undefined {
  return native === false ? false : undefined;
}
