// Backend selection: --backend auto|tensorflow|webgpu|wasm|cpu. `auto` takes the fastest that loads
// here (tensorflow-gpu, webgpu on a hardware adapter, tensorflow, wasm with gridmix's native oneDNN
// kernels, plain wasm, cpu) and records why each better one was not taken, so every run can say what
// it trained on. A software WebGPU adapter (lavapipe) is taken only when webgpu is asked for by name.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { UserError } from '../errors';
import { activeNativeKernels, disableNativeKernels, enableNativeKernels, nativeKernelsActive } from './native';
import { installSharedIdentity } from './wasm-identity';
import { adapterLabel, releaseWebgpu, startWebgpu, type WebgpuAdapter } from './webgpu';

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface BackendInfo {
  /** What was asked for. */
  requested: BackendChoice;
  /** tfjs backend name in use: 'tensorflow' | 'wasm' | 'cpu'. */
  name: string;
  /** What a run records: the tfjs name, or 'wasm+onednn' when the native kernels are on. */
  id: string;
  /** Human label, e.g. "tensorflow (GPU, tfjs-node-gpu)" or "wasm (1 thread)". */
  label: string;
  /** The ops that run on native kernels (empty unless id is 'wasm+onednn'). */
  nativeKernels: string[];
  /** For auto: why each better backend was not taken. */
  skipped: string[];
  /** On plain wasm, why the native kernels are not on, in a few words for the one-line log. */
  nativeNote?: string;
  /** The WebGPU adapter, for webgpu. */
  adapter?: WebgpuAdapter;
}

/** A user-facing failure to get the backend that was explicitly requested. */
export class BackendUnavailableError extends UserError {}

let current: BackendInfo | undefined;

export function activeBackend(): BackendInfo | undefined {
  return current;
}

/** The backend as a run records it, now: 'wasm+onednn' while the native kernels are on. */
export function backendId(): string {
  return nativeKernelsActive() ? 'wasm+onednn' : tf.getBackend();
}

/** A backend id as recorded ('wasm+onednn', 'wasm', ...) back to what selectBackend takes. */
export function selectBackendById(id: string): Promise<BackendInfo> {
  if (id === 'wasm+onednn') return selectBackend('wasm', { native: true });
  return selectBackend(id as BackendChoice, { native: false });
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0];
}

type TensorflowPackage = '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';

/** Whether a package can be found, without loading it (loading libtensorflow takes a second). */
function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** Loads a tfjs-node package; it registers the 'tensorflow' backend as a side effect. */
function tryTensorflow(pkg: TensorflowPackage): string | undefined {
  if (!installed(pkg)) {
    return pkg === '@tensorflow/tfjs-node' ? 'tfjs-node not installed (scripts/setup-tensorflow.sh)' : 'tfjs-node-gpu not installed';
  }
  try {
    // TensorFlow's C++ logging prints INFO lines (CPU features, absl) on stderr at load; warnings and
    // errors still show. A user's own TF_CPP_MIN_LOG_LEVEL wins.
    process.env.TF_CPP_MIN_LOG_LEVEL ??= '1';
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(pkg);
    return undefined;
  } catch (err) {
    return `${pkg.slice('@tensorflow/'.length)} failed to load: ${firstLine(err)}`;
  }
}

/** tfjs-node's backend says whether TensorFlow placed its ops on a CUDA device. */
function tensorflowOnGpu(): boolean {
  return (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
}

/**
 * The tensorflow backend, from tfjs-node-gpu when it is installed (a GPU build also runs on the
 * CPU), else tfjs-node. Only one of them is loaded: both register the same kernels. `skipped` gets
 * why not, when neither works.
 */
async function loadTensorflow(skipped: string[]): Promise<boolean> {
  if (tensorflowLoaded === undefined) {
    const gpuReason = tryTensorflow('@tensorflow/tfjs-node-gpu');
    const cpuReason = gpuReason === undefined ? undefined : tryTensorflow('@tensorflow/tfjs-node');
    tensorflowPackage = gpuReason === undefined ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
    if (gpuReason === undefined || cpuReason === undefined) tensorflowLoaded = '';
    else tensorflowLoaded = installed('@tensorflow/tfjs-node-gpu') ? `${gpuReason}; ${cpuReason}` : cpuReason;
  }
  if (tensorflowLoaded !== '') {
    note(skipped, `tensorflow: ${tensorflowLoaded}`);
    return false;
  }
  if (!(await use('tensorflow'))) {
    note(skipped, 'tensorflow: the backend did not initialise');
    return false;
  }
  return true;
}
/** Adds a reason once (auto may try one backend twice: for the GPU and as a CPU engine). */
function note(skipped: string[], reason: string): void {
  if (!skipped.includes(reason)) skipped.push(reason);
}

/** '' once a tfjs-node package loaded, the reason when none did. */
let tensorflowLoaded: string | undefined;
let tensorflowPackage: TensorflowPackage | undefined;

export interface TensorflowProbe {
  /** The reason when no tfjs-node package works here. */
  reason?: string;
  package?: TensorflowPackage;
  /** libtensorflow's own version (TF_Version), e.g. "2.21.0". */
  tensorflowVersion?: string;
  tfjsNodeVersion?: string;
  gpu: boolean;
}

/** Loads the tensorflow backend (as selectBackend would) and says what it is; for gridmix doctor. */
export async function probeTensorflow(): Promise<TensorflowProbe> {
  const skipped: string[] = [];
  if (!(await loadTensorflow(skipped))) return { reason: skipped.join('; ').replace(/^tensorflow: /, ''), gpu: false };
  const binding = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version = (require(`${tensorflowPackage}/package.json`) as { version: string }).version;
  return { package: tensorflowPackage, tensorflowVersion: binding?.TF_Version, tfjsNodeVersion: version, gpu: tensorflowOnGpu() };
}

function tensorflowInfo(requested: BackendChoice, skipped: string[]): BackendInfo {
  const gpu = tensorflowOnGpu();
  const label = gpu ? 'tensorflow (CUDA GPU)' : 'tensorflow (CPU)';
  return { requested, name: 'tensorflow', id: 'tensorflow', label, nativeKernels: [], skipped };
}

/**
 * The CPU engines in the order auto tries them, fastest first, as measured by `gridmix bench --only
 * engines` (README, Backends): a resnet20 GridMix step at batch 128 ran ~4x faster on wasm+onednn
 * than on tfjs-node with TensorFlow 2.21's CPU build (oneDNN inside too) on the same 2 cores.
 */
export const CPU_ENGINE_ORDER = ['wasm+onednn', 'tensorflow'] as const;

async function use(name: string): Promise<boolean> {
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

export interface BackendOptions {
  /** Use the native oneDNN kernels under wasm where they were built (default true). */
  native?: boolean;
  /** oneDNN's thread count (default: its own, one per core). */
  nativeThreads?: number;
}

/** The wasm backend, with the native kernels when they are wanted and there. */
function wasmInfo(requested: BackendChoice, skipped: string[], options: BackendOptions): BackendInfo {
  installSharedIdentity();
  disableNativeKernels();
  let nativeNote: string;
  if (options.native !== false) {
    const native = enableNativeKernels(options.nativeThreads);
    if (native.ok) {
      // "oneDNN 2.6.3 (2 threads)" -> "oneDNN 2.6.3, 2 threads"; the ops left on wasm run on its 1 thread.
      const label = `wasm+onednn (${native.label.replace(/ \((\d+ threads?)\)$/, ', $1')})`;
      return { requested, name: 'wasm', id: 'wasm+onednn', label, nativeKernels: activeNativeKernels(), skipped };
    }
    note(skipped, native.reason);
    nativeNote = 'native oneDNN kernels unavailable (--verbose or summary.json says why)';
  } else {
    note(skipped, 'native oneDNN kernels: off on request (--no-native or native: false)');
    nativeNote = 'native oneDNN kernels off on request';
  }
  return { requested, name: 'wasm', id: 'wasm', label: 'wasm (1 thread)', nativeKernels: [], skipped, nativeNote };
}

/** WebGPU; a software adapter only when asked for by name. Undefined (reason in `skipped`) when not taken. */
async function webgpuInfo(requested: BackendChoice, skipped: string[]): Promise<BackendInfo | undefined> {
  const start = await startWebgpu({ allowFallback: requested === 'webgpu' });
  if (!start.ok) {
    if (requested === 'webgpu') throw new BackendUnavailableError(`backend "webgpu" is not available here: ${start.reason}`);
    skipped.push(start.reason);
    return undefined;
  }
  const { adapter } = start;
  const label = `webgpu (${adapterLabel(adapter)}${adapter.isFallbackAdapter ? ': correctness only, CPU-slow' : ''})`;
  return { requested, name: 'webgpu', id: 'webgpu', label, nativeKernels: [], skipped, adapter };
}

/** Ends what a backend holds that would keep Node running (WebGPU's device): call once, at exit. */
export function releaseBackend(): void {
  releaseWebgpu();
}

export async function selectBackend(requested: BackendChoice, options: BackendOptions = {}): Promise<BackendInfo> {
  const skipped: string[] = [];
  if (requested === 'webgpu') {
    current = await webgpuInfo(requested, skipped);
    return current!;
  }
  if (requested === 'tensorflow') {
    if (!(await loadTensorflow(skipped))) {
      throw new BackendUnavailableError(`backend "tensorflow" is not available here: ${skipped.join('; ')}`);
    }
    current = tensorflowInfo(requested, skipped);
    return current;
  }
  if (requested === 'auto') {
    const picked = await selectAuto(skipped, options);
    if (picked) return (current = picked);
  }
  if (requested === 'wasm' || requested === 'auto') {
    if (await use('wasm')) {
      current = wasmInfo(requested, skipped, options);
      return current;
    }
    skipped.push('wasm: did not initialise');
    if (requested === 'wasm') throw new BackendUnavailableError('backend "wasm" failed to initialise');
  }
  if (!(await use('cpu'))) throw new BackendUnavailableError('backend "cpu" failed to initialise');
  current = { requested, name: 'cpu', id: 'cpu', label: 'cpu (pure JavaScript, reference only: slow)', nativeKernels: [], skipped };
  return current;
}

/**
 * auto's choices above plain wasm: tensorflow on a CUDA GPU, then the CPU engines in
 * CPU_ENGINE_ORDER. Undefined when none works (each one's reason is in `skipped`).
 */
async function selectAuto(skipped: string[], options: BackendOptions): Promise<BackendInfo | undefined> {
  // A GPU only through tfjs-node-gpu: tfjs-node is a CPU build, so it is not loaded for this test.
  if (installed('@tensorflow/tfjs-node-gpu')) {
    if ((await loadTensorflow(skipped)) && tensorflowOnGpu()) return tensorflowInfo('auto', skipped);
    if (tensorflowLoaded === '') skipped.push('tensorflow-gpu: TensorFlow found no CUDA GPU');
  } else {
    skipped.push('tensorflow-gpu: tfjs-node-gpu not installed');
  }
  // WebGPU on a hardware adapter ranks right after tensorflow with a CUDA GPU.
  const webgpu = await webgpuInfo('auto', skipped);
  if (webgpu) return webgpu;
  for (const engine of CPU_ENGINE_ORDER) {
    if (engine === 'wasm+onednn' && options.native !== false && (await use('wasm'))) {
      const info = wasmInfo('auto', skipped, options);
      if (info.id === 'wasm+onednn') return info;
    }
    if (engine === 'tensorflow' && (await loadTensorflow(skipped))) return tensorflowInfo('auto', skipped);
  }
  return undefined;
}

/**
 * One short line for logs: "backend: wasm+onednn (oneDNN 2.6.3, 2 threads)", or on plain wasm
 * "backend: wasm (1 thread); native oneDNN kernels off on request". `verbose` adds what was asked
 * for and why each better backend was not taken (summary.json records that as backend_not_taken).
 */
export function describeBackend(info: BackendInfo, verbose = false): string {
  if (!verbose) return `backend: ${info.label}${info.nativeNote ? `; ${info.nativeNote}` : ''}`;
  const notTaken = info.requested === 'auto' || info.id === 'wasm';
  const why = notTaken && info.skipped.length > 0 ? ` [${info.requested}; not taken: ${info.skipped.join('; ')}]` : '';
  return `backend: ${info.label}${why}`;
}
