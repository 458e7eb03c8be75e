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

/** Loads a tfjs-node package; it registers the 'tensorflow' backend as a side effect. */
function tryTensorflow(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(pkg);
    return undefined;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'MODULE_NOT_FOUND') return `${pkg} is not installed (optional dependency; its install needs libtensorflow)`;
    return `${pkg} failed to load: ${firstLine(err)}`;
  }
}

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
  if (options.native !== false) {
    const native = enableNativeKernels(options.nativeThreads);
    if (native.ok) {
      const label = `wasm+onednn (${native.label}; other ops on wasm, 1 thread)`;
      return { requested, name: 'wasm', id: 'wasm+onednn', label, nativeKernels: activeNativeKernels(), skipped };
    }
    skipped.push(native.reason);
  }
  return { requested, name: 'wasm', id: 'wasm', label: 'wasm (1 thread)', nativeKernels: [], skipped };
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
  if (requested === 'tensorflow' || requested === 'auto') {
    let reason = tryTensorflow('@tensorflow/tfjs-node-gpu');
    let label = 'tensorflow (tfjs-node-gpu)';
    if (reason) {
      skipped.push(reason);
      // auto: WebGPU on a hardware adapter ranks right after tensorflow with a CUDA GPU.
      const webgpu = requested === 'auto' ? await webgpuInfo(requested, skipped) : undefined;
      if (webgpu) return (current = webgpu);
      reason = tryTensorflow('@tensorflow/tfjs-node');
      label = 'tensorflow (tfjs-node, CPU)';
    }
    if (!reason && (await use('tensorflow'))) {
      current = { requested, name: 'tensorflow', id: 'tensorflow', label, nativeKernels: [], skipped };
      return current;
    }
    if (reason) skipped.push(reason);
    else skipped.push('the tensorflow backend did not initialise');
    if (requested === 'tensorflow') {
      throw new BackendUnavailableError(`backend "tensorflow" is not available here: ${skipped.join('; ')}`);
    }
  }
  if (requested === 'wasm' || requested === 'auto') {
    if (await use('wasm')) {
      current = wasmInfo(requested, skipped, options);
      return current;
    }
    skipped.push('the wasm backend did not initialise');
    if (requested === 'wasm') throw new BackendUnavailableError('backend "wasm" failed to initialise');
  }
  if (!(await use('cpu'))) throw new BackendUnavailableError('backend "cpu" failed to initialise');
  current = { requested, name: 'cpu', id: 'cpu', label: 'cpu (pure JavaScript, reference only: slow)', nativeKernels: [], skipped };
  return current;
}

/** One line for logs: "backend: wasm (1 thread) [auto: tfjs-node-gpu is not installed ...]". */
export function describeBackend(info: BackendInfo): string {
  if (info.id === 'webgpu' && info.requested === 'webgpu') return `backend: ${info.label}`;
  const notTaken = info.requested === 'auto' || info.id === 'wasm';
  const why = notTaken && info.skipped.length > 0 ? ` [${info.requested}; not taken: ${info.skipped.join('; ')}]` : '';
  return `backend: ${info.label}${why}`;
}
