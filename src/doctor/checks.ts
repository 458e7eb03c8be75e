// gridmix doctor's checks: for every backend, whether it works here, what it found, and the one
// thing to do when it does not; then what `--backend auto` would take and why. Each check loads
// what a run would load (tfjs-node, the native addon), so "available" means a run can use it.
import * as tf from '@tensorflow/tfjs';
import { describeBackend, probeTensorflow, selectBackend } from '../engine/backend';
import { loadNativeAddon, nativeBuildStatus } from '../engine/native/addon';
import { adapterLabel, probeWebgpu, type WebgpuProbe } from '../engine/webgpu';
import { counted } from '../text/plural';
import { defaultCudaEnvironment, describeArchitectureSupport, probeCuda, TFJS_NODE_GPU_NEEDS, type CudaEnvironment, type CudaReport } from './cuda';

export interface BackendCheck {
  /** 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm+onednn', 'wasm', 'cpu'. */
  name: string;
  available: boolean;
  /** What was found (versions, devices), or why it is not available. */
  detail: string;
  /** One line to make it available (when it is not). */
  fix?: string;
}

export interface DoctorReport {
  checks: BackendCheck[];
  /** The backend line `--backend auto` gives here (with what it did not take and why). */
  auto: string;
}

export interface DoctorEnvironment {
  cuda: CudaEnvironment;
}

export function defaultDoctorEnvironment(): DoctorEnvironment {
  return { cuda: defaultCudaEnvironment() };
}

const SETUP_TENSORFLOW = 'scripts/setup-tensorflow.sh';

function versionText(found: { version?: string }, needs: string): string {
  return `${found.version ?? 'none found'} (needs ${needs})`;
}

/** The CUDA side of tfjs-node-gpu: versions found against those it needs, and each GPU. */
export function describeCuda(report: CudaReport): { text: string; ok: boolean } {
  const parts = [
    `CUDA runtime ${versionText(report.cudart, `${TFJS_NODE_GPU_NEEDS.cuda}, ${TFJS_NODE_GPU_NEEDS.cudartSoname}`)}`,
    `cuDNN ${versionText(report.cudnn, `${TFJS_NODE_GPU_NEEDS.cudnn}, ${TFJS_NODE_GPU_NEEDS.cudnnSoname}`)}`,
  ];
  let gpuOk = false;
  if (report.gpus === undefined) parts.push('GPU: no nvidia-smi on PATH');
  else if (report.gpus.length === 0) parts.push(`GPU: nvidia-smi found none${report.nvidiaSmiError ? ` (${report.nvidiaSmiError})` : ''}`);
  else {
    for (const gpu of report.gpus) {
      const support = gpu.computeCapability === undefined ? { known: false, text: 'compute capability not reported (driver older than 510?)' } : describeArchitectureSupport(gpu.computeCapability);
      gpuOk ||= support.known;
      parts.push(`GPU ${gpu.name}${gpu.driver ? `, driver ${gpu.driver}` : ''}: ${support.text}`);
    }
  }
  return { text: parts.join('; '), ok: report.cudart.usable && report.cudnn.usable && gpuOk };
}

function tensorflowGpuCheck(cuda: CudaReport, tensorflow: Awaited<ReturnType<typeof probeTensorflow>>): BackendCheck {
  const found = describeCuda(cuda);
  const fix = `install CUDA ${TFJS_NODE_GPU_NEEDS.cuda} and cuDNN ${TFJS_NODE_GPU_NEEDS.cudnn}, then npm install --no-save @tensorflow/tfjs-node-gpu@4.22.0 (or use webgpu: no CUDA needed)`;
  if (tensorflow.package === '@tensorflow/tfjs-node-gpu' && tensorflow.gpu) {
    return { name: 'tensorflow-gpu', available: true, detail: `tfjs-node-gpu ${tensorflow.tfjsNodeVersion ?? '?'}, TensorFlow ${tensorflow.tensorflowVersion ?? '?'} on a CUDA GPU; ${found.text}` };
  }
  const why = tensorflow.package === '@tensorflow/tfjs-node-gpu' ? 'tfjs-node-gpu loads but TensorFlow found no usable CUDA GPU' : 'tfjs-node-gpu not installed';
  return { name: 'tensorflow-gpu', available: false, detail: `${why}; ${found.text}`, fix };
}

/** The adapters Dawn offers here (what `--backend webgpu` would run on), or why there are none. */
function webgpuCheck(probe: WebgpuProbe): BackendCheck {
  const vulkan = `Vulkan loader ${probe.vulkanLoader ?? 'libvulkan.so.1 not found'}, ${counted(probe.vulkanDrivers.length, 'driver manifest')}`;
  if (probe.adapters.length === 0) {
    const [why, fix] = (probe.reason ?? 'Dawn reports no WebGPU adapter').split('; ');
    return { name: 'webgpu', available: false, detail: `${why}; ${vulkan}`, fix: fix ?? 'install the GPU\'s Vulkan driver' };
  }
  const software = probe.adapters.every((a) => a.isFallbackAdapter);
  const note = software ? ' (correct but CPU-slow: auto passes it over, --backend webgpu takes it)' : '';
  return { name: 'webgpu', available: true, detail: `${probe.adapters.map(adapterLabel).join('; ')}${note}; ${vulkan}` };
}

function tensorflowCpuCheck(tensorflow: Awaited<ReturnType<typeof probeTensorflow>>): BackendCheck {
  if (tensorflow.reason !== undefined) return { name: 'tensorflow', available: false, detail: tensorflow.reason, fix: `run ${SETUP_TENSORFLOW} (builds tfjs-node against the tensorflow-cpu wheel's C library)` };
  const pkg = tensorflow.package === '@tensorflow/tfjs-node-gpu' ? 'tfjs-node-gpu' : 'tfjs-node';
  return { name: 'tensorflow', available: true, detail: `${pkg} ${tensorflow.tfjsNodeVersion ?? '?'}, TensorFlow ${tensorflow.tensorflowVersion ?? '?'} (${tensorflow.gpu ? 'on a CUDA GPU' : 'CPU'})` };
}

function nativeCheck(): BackendCheck {
  const status = nativeBuildStatus() ?? 'no native/build/status.txt: the install step never ran';
  const load = loadNativeAddon();
  if (load.addon) return { name: 'wasm+onednn', available: true, detail: `${load.addon.info()}; addon ${status}` };
  return {
    name: 'wasm+onednn',
    available: false,
    detail: `${load.reason}; build status: ${status}`,
    fix: 'apt-get install libdnnl-dev g++ (oneDNN 2.x), then npm run build:native',
  };
}

async function tfjsCheck(name: 'wasm' | 'cpu'): Promise<BackendCheck> {
  let ok = false;
  let why = 'did not initialise';
  try {
    ok = await tf.setBackend(name);
  } catch (err) {
    why = err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
  const detail = name === 'wasm' ? `@tensorflow/tfjs-backend-wasm ${tf.version_core}, 1 thread under Node` : 'pure JavaScript: a correctness reference, 20-30x slower than wasm';
  return ok ? { name, available: true, detail } : { name, available: false, detail: why, fix: 'npm ci (a broken install)' };
}

/** Every check, in auto's order of preference, then auto's own choice. */
export async function runDoctor(env: DoctorEnvironment = defaultDoctorEnvironment()): Promise<DoctorReport> {
  const cuda = probeCuda(env.cuda);
  const tensorflow = await probeTensorflow();
  const checks = [
    tensorflowGpuCheck(cuda, tensorflow),
    webgpuCheck(await probeWebgpu()),
    nativeCheck(),
    tensorflowCpuCheck(tensorflow),
    await tfjsCheck('wasm'),
    await tfjsCheck('cpu'),
  ];
  const auto = describeBackend(await selectBackend('auto')).replace(/^backend: /, '');
  return { checks, auto };
}

/** The report as lines: one per backend, then auto. */
export function formatDoctor(report: DoctorReport): string[] {
  const width = Math.max(...report.checks.map((c) => c.name.length)) + 1;
  const lines = report.checks.map((c) => {
    const head = `${c.name.padEnd(width)} ${c.available ? 'available' : 'NOT available'}: ${c.detail}`;
    return c.fix ? `${head} — fix: ${c.fix}` : head;
  });
  lines.push(`${'auto'.padEnd(width)} would take ${report.auto}`);
  return lines;
}
