// What tfjs-node-gpu would find on this machine: the CUDA runtime and cuDNN libraries that its
// libtensorflow 2.9.1 opens by name, and the GPUs nvidia-smi reports with their compute capability.
// Everything is read from files and PATH so that tests can fake a GPU machine with a folder.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** What @tensorflow/tfjs-node-gpu 4.x's libtensorflow 2.9.1 was built against (its README). */
export const TFJS_NODE_GPU_NEEDS = {
  tensorflow: '2.9.1',
  cuda: '11.2',
  cudnn: '8.1',
  /** The sonames it opens at start-up: another major version is not found. */
  cudartSoname: 'libcudart.so.11.0',
  cudnnSoname: 'libcudnn.so.8',
  /**
   * The CUDA architectures its kernels were compiled for: machine code for these, and PTX for
   * compute_80, which the driver compiles at start-up for any newer GPU (TensorFlow's release
   * builds of the CUDA 11.2 era: sm_35, sm_50, sm_60, sm_70, sm_75, compute_80).
   */
  sass: [3.5, 5.0, 6.0, 7.0, 7.5],
  ptx: 8.0,
};

export interface CudaEnvironment {
  /** Folders searched for the libraries (LD_LIBRARY_PATH, then the usual CUDA and system ones). */
  libraryDirs: string[];
  /** Folders searched for cudnn_version.h / cuda version files. */
  includeDirs: string[];
  /** PATH used to find nvidia-smi. */
  path: string;
}

export function defaultCudaEnvironment(env: NodeJS.ProcessEnv = process.env): CudaEnvironment {
  const fromEnv = (env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d !== '');
  return {
    libraryDirs: [...fromEnv, '/usr/local/cuda/lib64', '/usr/local/cuda-11.2/lib64', '/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib'],
    includeDirs: ['/usr/local/cuda/include', '/usr/local/cuda-11.2/include', '/usr/include', '/usr/include/x86_64-linux-gnu'],
    path: env.PATH ?? '',
  };
}

export interface LibraryFound {
  /** The version read from the file name (libcudart.so.11.2.152 -> 11.2) or a header; undefined if none found. */
  version?: string;
  /** Where, when found. */
  file?: string;
  /** Whether the soname tfjs-node-gpu opens is there. */
  usable: boolean;
}

export interface GpuInfo {
  name: string;
  computeCapability?: number;
  driver?: string;
}

export interface CudaReport {
  cudart: LibraryFound;
  cudnn: LibraryFound;
  /** undefined: no nvidia-smi on PATH. */
  gpus?: GpuInfo[];
  /** nvidia-smi's complaint when it is there but failed. */
  nvidiaSmiError?: string;
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** The highest versioned file `base.so.X.Y...` in the dirs, and whether `soname` itself exists. */
function findLibrary(dirs: string[], base: string, soname: string): LibraryFound {
  let best: { version: number[]; file: string } | undefined;
  let usable = false;
  for (const dir of dirs) {
    for (const name of listDir(dir)) {
      if (name === soname) usable = true;
      const match = new RegExp(`^${base.replace(/\./g, '\\.')}\\.so\\.(\\d+(?:\\.\\d+)*)$`).exec(name);
      if (!match) continue;
      const version = match[1].split('.').map(Number);
      if (!best || compareVersions(version, best.version) > 0) best = { version, file: path.join(dir, name) };
    }
  }
  if (!best) return { usable };
  return { version: best.version.slice(0, 2).join('.'), file: best.file, usable };
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** cuDNN's version from cudnn_version.h (cuDNN 8) when the library name carries only the major. */
function cudnnHeaderVersion(dirs: string[]): string | undefined {
  for (const dir of dirs) {
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, 'cudnn_version.h'), 'utf8');
    } catch {
      continue;
    }
    const major = /#define CUDNN_MAJOR (\d+)/.exec(text)?.[1];
    const minor = /#define CUDNN_MINOR (\d+)/.exec(text)?.[1];
    if (major && minor) return `${major}.${minor}`;
  }
  return undefined;
}

function findOnPath(command: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(':')) {
    if (dir === '') continue;
    const file = path.join(dir, command);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** nvidia-smi's GPUs: name, compute capability (drivers 510+ report compute_cap) and driver. */
function queryGpus(searchPath: string): Pick<CudaReport, 'gpus' | 'nvidiaSmiError'> {
  const smi = findOnPath('nvidia-smi', searchPath);
  if (!smi) return {};
  const run = spawnSync(smi, ['--query-gpu=name,compute_cap,driver_version', '--format=csv,noheader'], { encoding: 'utf8', timeout: 20_000 });
  if (run.status !== 0) {
    const why = (run.stderr || run.stdout || run.error?.message || `exit code ${run.status}`).trim().split('\n')[0];
    return { gpus: [], nvidiaSmiError: why };
  }
  const gpus = run.stdout.trim().split('\n').filter((l) => l.trim() !== '').map((line) => {
    const [name, cc, driver] = line.split(',').map((s) => s.trim());
    const computeCapability = Number(cc);
    return { name, computeCapability: Number.isFinite(computeCapability) && cc !== '' ? computeCapability : undefined, driver };
  });
  return { gpus };
}

export function probeCuda(env: CudaEnvironment = defaultCudaEnvironment()): CudaReport {
  const cudart = findLibrary(env.libraryDirs, 'libcudart', TFJS_NODE_GPU_NEEDS.cudartSoname);
  const cudnn = findLibrary(env.libraryDirs, 'libcudnn', TFJS_NODE_GPU_NEEDS.cudnnSoname);
  const headerVersion = cudnnHeaderVersion(env.includeDirs);
  // libcudnn.so.8 alone says only "8": the header has the minor.
  if (headerVersion && (!cudnn.version || !cudnn.version.includes('.') || headerVersion.startsWith(`${cudnn.version}.`))) cudnn.version = headerVersion;
  return { cudart, cudnn, ...queryGpus(env.path) };
}

/** Whether TensorFlow 2.9.1's CUDA kernels cover a GPU of this compute capability, in words. */
export function describeArchitectureSupport(cc: number): { known: boolean; text: string } {
  const { sass, ptx } = TFJS_NODE_GPU_NEEDS;
  if (cc < sass[0]) return { known: false, text: `compute capability ${cc} is below TensorFlow ${TFJS_NODE_GPU_NEEDS.tensorflow}'s oldest (${sass[0]})` };
  if (cc < ptx) {
    const native = sass.filter((s) => s <= cc).at(-1)!;
    return { known: true, text: `compute capability ${cc}: TensorFlow ${TFJS_NODE_GPU_NEEDS.tensorflow} has machine code for ${native.toFixed(1)}` };
  }
  if (cc === ptx) return { known: true, text: `compute capability ${cc}: TensorFlow ${TFJS_NODE_GPU_NEEDS.tensorflow} has PTX for it (compiled by the driver at start-up)` };
  return {
    known: false,
    text: `compute capability ${cc} is newer than TensorFlow ${TFJS_NODE_GPU_NEEDS.tensorflow} and CUDA ${TFJS_NODE_GPU_NEEDS.cuda} know (only compute_80 PTX, JIT-compiled at start-up, if at all)`,
  };
}
