// Loads the native oneDNN kernels that the install step (scripts/build-native.js) built into
// native/build/, or says why there are none: the build records its reason in native/build/status.txt.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The addon's functions: tensors are byte offsets into the wasm heap, `dims` the geometry. */
export interface NativeAddon {
  conv2d(heap: ArrayBuffer, offsets: Uint32Array, dims: Int32Array): void;
  conv2dBackpropInput(heap: ArrayBuffer, offsets: Uint32Array, dims: Int32Array): void;
  conv2dBackpropFilter(heap: ArrayBuffer, offsets: Uint32Array, dims: Int32Array): void;
  batchNormTrain(heap: ArrayBuffer, offsets: Uint32Array, dims: Int32Array, epsilon: number): void;
  batchNormGrad(heap: ArrayBuffer, offsets: Uint32Array, dims: Int32Array, epsilon: number): void;
  batchNormInfer(heap: ArrayBuffer, offsets: Uint32Array, dims: Int32Array, epsilon: number): void;
  /** Bytes of the workspace of a batch norm with a fused ReLU (0 without). */
  batchNormWorkspaceBytes(dims: Int32Array, epsilon: number): number;
  maxPool(heap: ArrayBuffer, offsets: Uint32Array, dims: Int32Array): void;
  maxPoolGrad(heap: ArrayBuffer, offsets: Uint32Array, dims: Int32Array): void;
  /** Bytes of the workspace (where each maximum was) a max-pooling geometry needs. */
  maxPoolWorkspaceBytes(dims: Int32Array): number;
  add(heap: ArrayBuffer, offsets: Uint32Array, dims: Int32Array): void;
  avgPool(heap: ArrayBuffer, offsets: Uint32Array, dims: Int32Array): void;
  avgPoolGrad(heap: ArrayBuffer, offsets: Uint32Array, dims: Int32Array): void;
  matMul(heap: ArrayBuffer, offsets: Uint32Array, dims: Int32Array): void;
  relu(heap: ArrayBuffer, offsets: Uint32Array, dims: Int32Array): void;
  reluGrad(heap: ArrayBuffer, offsets: Uint32Array, dims: Int32Array): void;
  setThreads(threads: number): void;
  /** e.g. "oneDNN 3.7.2 (2 threads)"; "oneDNN 3.7.3, built against 3.7.2 (2 threads)" when they differ. */
  info(): string;
  /** The oneDNN whose headers the addon was compiled against, and the library it loaded. */
  versions(): OneDnnVersions;
  /** The implementations oneDNN picked for a convolution (forward / input grad / filter grad). */
  convImplementation(dims: Int32Array): string;
}

export interface OneDnnVersions {
  /** e.g. "3.7.2": DNNL_VERSION_* of the headers at build time. */
  builtAgainst: string;
  /** e.g. "3.7.2": dnnl_version() of the shared library loaded now. */
  loaded: string;
}

export type AddonLoad = { addon: NativeAddon; reason?: undefined } | { addon?: undefined; reason: string };

const buildDir = path.resolve(__dirname, '..', '..', '..', '..', 'native', 'build');

let loaded: AddonLoad | undefined;

/** What the install step recorded about the addon's build (native/build/status.txt), if it ran. */
export function nativeBuildStatus(): string | undefined {
  try {
    return fs.readFileSync(path.join(buildDir, 'status.txt'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function loadNativeAddon(): AddonLoad {
  if (loaded) return loaded;
  const file = path.join(buildDir, 'gridmix_native.node');
  if (!fs.existsSync(file)) {
    let status = 'not built (run `npm install` or `node scripts/build-native.js`)';
    try {
      const recorded = fs.readFileSync(path.join(buildDir, 'status.txt'), 'utf8').trim();
      // A status of a build whose output has since gone says nothing about why it is missing.
      if (recorded.startsWith('skipped')) status = recorded;
    } catch {
      // no status: the install step never ran
    }
    loaded = { reason: `native kernels ${status}` };
    return loaded;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = { addon: require(file) as NativeAddon };
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    loaded = { reason: `native kernels failed to load: ${message}` };
  }
  return loaded;
}
