// Parsers for numeric flags shared by the verbs: a bad value is a one-line commander error.
import { InvalidArgumentError } from 'commander';

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
  return seeds;
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
