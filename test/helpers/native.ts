// Whether this machine has the native oneDNN addon (scripts/build-native.js builds it where
// libdnnl-dev is present): tests of the native path skip, saying why, when it is absent.
import * as fs from 'fs';
import * as path from 'path';
import { REPO } from './cli';

const BUILD_DIR = path.join(REPO, 'native', 'build');

/**
 * Why the native kernels cannot be tested here, or undefined when the addon was built. Where they
 * must have been built (CI sets GRIDMIX_REQUIRE_NATIVE=1), their absence is an error, not a skip.
 */
export function nativeAddonMissing(): string | undefined {
  if (fs.existsSync(path.join(BUILD_DIR, 'gridmix_native.node'))) return undefined;
  let status = 'the install step never ran';
  try {
    status = fs.readFileSync(path.join(BUILD_DIR, 'status.txt'), 'utf8').trim();
  } catch {
    // no status.txt: keep the default reason
  }
  const reason = `native/build/gridmix_native.node is absent (${status}); run node scripts/build-native.js`;
  if (process.env.GRIDMIX_REQUIRE_NATIVE === '1') throw new Error(`GRIDMIX_REQUIRE_NATIVE=1: ${reason}`);
  return reason;
}

/** summary.json's backend for a wasm run with `native` left on: what this machine can give. */
export function defaultWasmId(): string {
  return nativeAddonMissing() ? 'wasm' : 'wasm+onednn';
}
