// WebGPU under Node: Dawn's Node bindings (npm package `webgpu`, which ships dawn.node and loads the
// system's Vulkan loader, libvulkan.so.1, at run time) provide navigator.gpu, and
// @tensorflow/tfjs-backend-webgpu runs tfjs on it. The backend package registers itself on import
// only if navigator.gpu exists then, so it is required here, lazily, after navigator.gpu is set.
//
// WebGPU reports errors asynchronously (device.onuncapturederror, device.lost) and otherwise lets the
// program go on with wrong numbers. Here either one latches a DeviceFailedError, and every later read
// of a tensor (every number gridmix writes comes through one) rejects with it: the command stops with
// one line, and nothing computed after the failure reaches a file.
//
// Node does not exit while navigator.gpu holds Dawn's instance: releaseWebgpu() destroys the device
// and removes navigator.gpu (the CLI calls it through releaseBackend() at the end of every command).
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors';

/** One adapter as Dawn describes it. */
export interface WebgpuAdapter {
  vendor: string;
  architecture: string;
  /** Dawn's device id string, e.g. "llvmpipe-llvm-15-0-6-256-bits-". */
  device: string;
  description: string;
  /** A software adapter (e.g. Mesa's lavapipe, "llvmpipe"): correct but CPU-slow. */
  isFallbackAdapter: boolean;
}

/**
 * What probeWebgpu() found. `adapters` lists every distinct adapter Dawn returns for the
 * high-performance, low-power and fallback requests (WebGPU has no call that lists them all);
 * `reason` is set exactly when `adapters` is empty, in one line with the fix.
 */
export interface WebgpuProbe {
  adapters: WebgpuAdapter[];
  reason?: string;
  /** The Vulkan loader libvulkan.so.1 where one was found on the usual library paths (Linux). */
  vulkanLoader?: string;
  /** The Vulkan driver manifests (ICD JSON files) found, e.g. lvp_icd.x86_64.json for lavapipe. */
  vulkanDrivers: string[];
}

/** The device failed (a validation error, out of memory, or the device was lost): the command stops. */
export class DeviceFailedError extends UserError {}

// Minimal shapes of the WebGPU objects used here (the full types live in @webgpu/types).
interface GpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuAdapter {
  info?: GpuAdapterInfo;
  isFallbackAdapter?: boolean;
}
interface Gpu {
  requestAdapter(options?: Record<string, unknown>): Promise<GpuAdapter | null>;
}
interface GpuDevice {
  onuncapturederror: ((event: { error: { message: string } }) => void) | null;
  lost: Promise<{ reason: string; message: string }>;
  destroy(): void;
}
interface Dawn {
  create(flags: string[]): Gpu;
  globals: object;
}
interface WebgpuBackendLike {
  device: GpuDevice;
  thresholdToIncreaseWorkgroups: number;
  read(dataId: object): Promise<unknown>;
}

const SETUP_HINT =
  'install the GPU\'s Vulkan driver (Linux; Debian 12 without a GPU: Mesa >= 23 from bookworm-backports gives the lavapipe software adapter, see .ci/setup-webgpu.sh)';

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

/** Dawn's bindings, or why they do not load (not installed, or no binary for this platform). */
function loadDawn(): { dawn: Dawn } | { reason: string } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return { dawn: require('webgpu') as Dawn };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'MODULE_NOT_FOUND' && /'webgpu'/.test(firstLine(err))) return { reason: 'the npm package webgpu is not installed (npm install)' };
    if (code !== 'ERR_REQUIRE_ESM') return { reason: `the webgpu package failed to load: ${firstLine(err)}` };
  }
  // Node 20 before 20.19 cannot require() an ES module: load the binary the package wraps.
  try {
    const root = path.dirname(require.resolve('webgpu/package.json'));
    const arch = process.platform === 'darwin' ? 'universal' : process.arch;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return { dawn: require(path.join(root, 'dist', `${process.platform}-${arch}`, 'dawn.node')) as Dawn };
  } catch (err) {
    return { reason: `Dawn's binary for ${process.platform}-${process.arch} failed to load: ${firstLine(err)}` };
  }
}

function describeAdapter(adapter: GpuAdapter): WebgpuAdapter {
  const info = adapter.info ?? {};
  return {
    vendor: info.vendor || 'unknown',
    architecture: info.architecture || 'unknown',
    device: info.device || '',
    description: info.description || '',
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
  };
}

/** "mesa software llvmpipe: Mesa 25.0.7 ... (fallback)": an adapter in one short phrase. */
export function adapterLabel(a: WebgpuAdapter): string {
  const description = a.description.split(' (')[0];
  return `${a.vendor} ${a.architecture}${description ? ` "${description}"` : ''}${a.isFallbackAdapter ? ', software fallback' : ''}`;
}

const LIBRARY_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib64'];
const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

function vulkanFiles(): { loader?: string; drivers: string[] } {
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...LIBRARY_DIRS];
  const loader = dirs.map((d) => path.join(d, 'libvulkan.so.1')).find((f) => fs.existsSync(f));
  const drivers = ICD_DIRS.flatMap((d) => {
    try {
      return fs.readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => path.join(d, f));
    } catch {
      return [];
    }
  });
  return { loader, drivers };
}

/**
 * Every WebGPU adapter Dawn reports here, or why there is none. Touches no global state (its own
 * Dawn instance, no device), so it can run beside any backend. `gridmix doctor` prints it.
 */
export async function probeWebgpu(): Promise<WebgpuProbe> {
  const { loader, drivers } = process.platform === 'linux' ? vulkanFiles() : { loader: undefined, drivers: [] };
  const base = { vulkanLoader: loader, vulkanDrivers: drivers };
  const loaded = loadDawn();
  if ('reason' in loaded) return { ...base, adapters: [], reason: loaded.reason };
  const gpu = loaded.dawn.create([]);
  const adapters = new Map<string, WebgpuAdapter>();
  for (const options of [{ powerPreference: 'high-performance' }, { powerPreference: 'low-power' }, { forceFallbackAdapter: true }]) {
    try {
      const adapter = await gpu.requestAdapter(options);
      if (adapter) {
        const a = describeAdapter(adapter);
        adapters.set(JSON.stringify(a), a);
      }
    } catch (err) {
      return { ...base, adapters: [], reason: `requestAdapter failed: ${firstLine(err)}` };
    }
  }
  if (adapters.size > 0) return { ...base, adapters: [...adapters.values()] };
  const missing = process.platform === 'linux' && !loader ? 'no Vulkan loader (libvulkan.so.1; Debian: apt-get install libvulkan1)' : 'no Vulkan driver that Dawn accepts';
  return { ...base, adapters: [], reason: `Dawn reports no WebGPU adapter: ${missing}; ${SETUP_HINT}` };
}

// ---- the tfjs backend -------------------------------------------------------------------------
let started: { adapter: WebgpuAdapter; device: GpuDevice } | undefined;
let failure: DeviceFailedError | undefined;
let releasing = false;
let released = false;
let rejectOnFailure: (err: DeviceFailedError) => void = () => undefined;
const failed = new Promise<never>((_, reject) => {
  rejectOnFailure = reject;
});
failed.catch(() => undefined); // observed through Promise.race in reads, never unhandled

/** The op a Dawn message names: tfjs labels shader modules and pipelines with the program's class. */
function opOf(message: string): string | undefined {
  // e.g. [ComputePipelineDescriptor ""AddNPackedProgram""] or [Invalid ShaderModule "PadProgram"]
  const label = /\[(?:Invalid )?(?:ShaderModule|ComputePipeline)\w*\s+"+([A-Za-z]\w*)"+\]/.exec(message);
  return label ? label[1] : undefined;
}

function fail(err: DeviceFailedError): void {
  if (failure) return;
  failure = err;
  rejectOnFailure(err);
}

/** Throws the latched device failure, if any (also for callers that read nothing). */
export function throwIfDeviceFailed(): void {
  if (failure) throw failure;
}

function watchDevice(backend: WebgpuBackendLike): void {
  const { device } = backend;
  device.onuncapturederror = (event) => {
    const message = event.error.message ?? String(event.error);
    const op = opOf(message);
    fail(new DeviceFailedError(`webgpu device error${op ? ` in ${op}` : ''}: ${message.split('\n')[0].trim()}; stopped (nothing computed after it was written)`));
  };
  void device.lost.then((info) => {
    if (releasing) return;
    fail(new DeviceFailedError(`webgpu device lost (${info.reason}${info.message ? `: ${info.message.split('\n')[0]}` : ''}); stopped (nothing computed after it was written)`));
  });
  // Every tensor read waits for the GPU: it is where a failure reported meanwhile surfaces.
  const read = backend.read.bind(backend);
  backend.read = async (dataId: object) => {
    throwIfDeviceFailed();
    const values = await Promise.race([read(dataId), failed]);
    await new Promise((resolve) => setImmediate(resolve)); // lets Dawn deliver an error raised by this work
    throwIfDeviceFailed();
    return values;
  };
}

export type WebgpuStart = { ok: true; adapter: WebgpuAdapter } | { ok: false; reason: string };

/**
 * Sets navigator.gpu, looks at the adapter tfjs will take (its high-performance request), and
 * switches tfjs to the webgpu backend. A software (fallback) adapter is taken only with
 * `allowFallback` (an explicit --backend webgpu); otherwise the reason says what was found.
 */
export async function startWebgpu(options: { allowFallback: boolean }): Promise<WebgpuStart> {
  if (started) {
    // Started before in this process (tests switch backends): switch back to it.
    if (!(await tf.setBackend('webgpu'))) return { ok: false, reason: 'the tfjs webgpu backend failed to initialise' };
    return { ok: true, adapter: started.adapter };
  }
  if (released) return { ok: false, reason: 'webgpu was released in this process (it starts once per process)' };
  const loaded = loadDawn();
  if ('reason' in loaded) return { ok: false, reason: loaded.reason };
  const globals = globalThis as unknown as { navigator?: { gpu?: Gpu } };
  Object.assign(globalThis, loaded.dawn.globals);
  const gpu = loaded.dawn.create([]);
  if (globals.navigator) globals.navigator.gpu = gpu;
  else globals.navigator = { gpu };
  let adapter: GpuAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    adapter = null;
    delete globals.navigator?.gpu;
    return { ok: false, reason: `requestAdapter failed: ${firstLine(err)}` };
  }
  if (!adapter) {
    delete globals.navigator?.gpu;
    return { ok: false, reason: (await probeWebgpu()).reason ?? 'Dawn reports no WebGPU adapter' };
  }
  const described = describeAdapter(adapter);
  if (described.isFallbackAdapter && !options.allowFallback) {
    delete globals.navigator?.gpu;
    return { ok: false, reason: `webgpu: only a software adapter (${adapterLabel(described)}); used only when asked for by name (--backend webgpu)` };
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-backend-webgpu'); // registers 'webgpu' now that navigator.gpu exists
  let ok = false;
  try {
    ok = await tf.setBackend('webgpu');
  } catch (err) {
    delete globals.navigator?.gpu;
    return { ok: false, reason: `the tfjs webgpu backend failed to initialise: ${firstLine(err)}` };
  }
  if (!ok) {
    delete globals.navigator?.gpu;
    return { ok: false, reason: 'the tfjs webgpu backend failed to initialise' };
  }
  const backend = tf.backend() as unknown as WebgpuBackendLike;
  watchDevice(backend);
  // Same seed, same numbers: for matrix products with few output tiles tfjs may split the inner
  // dimension and sum the parts with atomicAdd, in whatever order the GPU runs them (measured on
  // lavapipe: losses differ from run to run at the 7th digit, and a resumed run drifts from an
  // uninterrupted one). A threshold of 0 keeps every product (and convolution as a product) on the
  // tiled program, which sums in a fixed order.
  if (tf.env().getNumber('WEBGPU_THRESHOLD_TO_INCREASE_WORKGROUPS_FOR_MATMUL') <= 0) backend.thresholdToIncreaseWorkgroups = 0;
  // tfjs requested the adapter with the same options: the one described above.
  started = { adapter: described, device: backend.device };
  return { ok: true, adapter: started.adapter };
}

/** The adapter the webgpu backend runs on, once started. */
export function webgpuAdapter(): WebgpuAdapter | undefined {
  return started?.adapter;
}

/** The device in use (tests destroy it to provoke a loss). */
export function webgpuDevice(): GpuDevice | undefined {
  return started?.device;
}

/** Destroys the device and removes navigator.gpu, so that Node can exit. Safe to call twice. */
export function releaseWebgpu(): void {
  if (!started) return;
  releasing = true;
  try {
    if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
  } catch {
    // the backend may already be gone
  }
  try {
    started.device.destroy();
  } catch {
    // already destroyed
  }
  const globals = globalThis as unknown as { navigator?: { gpu?: Gpu } };
  delete globals.navigator?.gpu;
  started = undefined;
  released = true;
}
