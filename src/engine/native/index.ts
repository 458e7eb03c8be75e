// Whether the engine's ops run on the native oneDNN kernels. They do when the backend is wasm, the
// addon was built and loaded, and nobody turned them off (--no-native, `native: false`). The switch
// can be flipped within one process, so the bench and the tests compare both paths in one run.
import * as tf from '@tensorflow/tfjs';
import { loadNativeAddon, type OneDnnVersions } from './addon';
import { NATIVE_ADD_MIN_SIZE, NATIVE_KERNEL_NAMES, registerNativeKernels } from './kernels';

let enabled = false;
let label: string | undefined;

export type NativeEnable = { ok: true; label: string } | { ok: false; reason: string };

/** Loads and registers the kernels (once) and turns them on; `threads` sets oneDNN's thread count. */
export function enableNativeKernels(threads?: number): NativeEnable {
  const load = loadNativeAddon();
  if (!load.addon) return { ok: false, reason: load.reason };
  try {
    if (threads !== undefined) load.addon.setThreads(threads);
    registerNativeKernels(load.addon, nativeKernelsActive);
    label = load.addon.info();
  } catch (err) {
    return { ok: false, reason: `native kernels failed to start: ${err instanceof Error ? err.message : String(err)}` };
  }
  enabled = true;
  return { ok: true, label };
}

/**
 * The oneDNN the native kernels were built against and loaded, without turning them on (for
 * `gridmix doctor` and the run's record), or why there are none.
 */
export function nativeKernelsVersion(): ({ ok: true } & OneDnnVersions) | { ok: false; reason: string } {
  const load = loadNativeAddon();
  if (!load.addon) return { ok: false, reason: load.reason };
  try {
    return { ok: true, ...load.addon.versions() };
  } catch (err) {
    return { ok: false, reason: `native kernels failed to report their oneDNN version: ${err instanceof Error ? err.message : String(err)}` };
  }
}

export function disableNativeKernels(): void {
  enabled = false;
}

/** True when the engine's ops should call the native kernels now. */
export function nativeKernelsActive(): boolean {
  return enabled && tf.getBackend() === 'wasm';
}

/** What the native kernels compute, for the run's record (empty when they are off). */
export function activeNativeKernels(): string[] {
  if (!nativeKernelsActive()) return [];
  return [...Object.values(NATIVE_KERNEL_NAMES), `add (same-shape float32 tensors of ${NATIVE_ADD_MIN_SIZE}+ elements)`];
}
