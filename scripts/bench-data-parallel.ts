// Training-step throughput of resnet20 + GridMix (batch 128, 32x32x3, 10 classes) on the wasm
// backend with 1 thread (today's trainStep) and with N data-parallel worker threads
// (training.workers), beside the PyTorch CPU reference (2 threads) timed in the same run.
// With the native oneDNN kernels (the default where built) the workers run one oneDNN thread each
// and the single-process line uses one per core; --no-native measures plain wasm.
//   node dist/scripts/bench-data-parallel.js [--workers 2] [--warmup 2] [--iterations 8] [--skip-torch] [--no-native]
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { StepRig, BENCH_OPTIMIZER } from '../src/bench/step-rig';
import { timeRuns, median } from '../src/bench/statistics';
import { runTorchReference } from '../src/bench/torch-reference';
import { selectBackend } from '../src/engine/backend';
import { Rng } from '../src/engine/rng';
import { createMixMethod } from '../src/mix/registry';
import { mixAndSplit } from '../src/train/data-parallel/data-parallel-step';
import type { ReplicaSpec } from '../src/train/data-parallel/replica';
import { ReplicaPool } from '../src/train/data-parallel/replica-pool';

const BATCH = 128;
const SIZE = 32;
const CLASSES = 10;
const METHOD = { method: 'gridmix', grid: 4, p: 0.8, gamma: 0.15 } as const;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

/** Images/s (median wall time of a step) and images per CPU-second of the whole process, worker threads included. */
interface Throughput {
  imagesPerSecond: number;
  imagesPerCpuSecond: number;
}

let native = false;

async function timeDataParallel(workers: number, warmup: number, iterations: number): Promise<Throughput> {
  const method = createMixMethod(METHOD);
  const spec: ReplicaSpec = {
    backbone: 'resnet20', numClasses: CLASSES, inputSize: SIZE, inChannels: 3, localHead: true, seed: 0,
    optimizer: BENCH_OPTIMIZER, gamma: method.localLossWeight, localReduction: 'sum-over-cells',
  };
  const rng = new Rng(0);
  const x = tf.randomNormal([BATCH, SIZE, SIZE, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const labels = Int32Array.from({ length: BATCH }, () => rng.int(CLASSES));
  const pool = await ReplicaPool.start(spec, workers, undefined, { native });
  const wall: number[] = [];
  const cpu: number[] = [];
  try {
    for (let k = 0; k < warmup + iterations; k++) {
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      const shards = await mixAndSplit({ method, numClasses: CLASSES, rng, dropoutRng: rng }, { x, labels }, workers);
      await pool.step(shards, BENCH_OPTIMIZER.lr);
      if (k < warmup) continue;
      wall.push((performance.now() - start) / 1000);
      const used = process.cpuUsage(cpuStart);
      cpu.push((used.user + used.system) / 1e6);
    }
  } finally {
    await pool.dispose();
    x.dispose();
  }
  return { imagesPerSecond: BATCH / median(wall), imagesPerCpuSecond: BATCH / median(cpu) };
}

function line(label: string, t: Throughput, extra = ''): string {
  return `${label.padEnd(34)} ${t.imagesPerSecond.toFixed(1).padStart(6)} images/s  ${t.imagesPerCpuSecond.toFixed(1).padStart(6)} images/CPU-s${extra}`;
}

async function main(): Promise<void> {
  const workers = option('workers', 2);
  const warmup = option('warmup', 2);
  const iterations = option('iterations', 8);
  const backend = await selectBackend('wasm', { native: !process.argv.includes('--no-native') });
  native = backend.id === 'wasm+onednn';
  console.log(`resnet20 + GridMix, batch ${BATCH}, ${SIZE}x${SIZE}x3; ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}; median of ${iterations} steps`);

  const rig = new StepRig({ backbone: 'resnet20', inputSize: SIZE, numClasses: CLASSES });
  const { step } = rig.stepper(METHOD, BATCH);
  const times = await timeRuns(step, warmup, iterations);
  const single: Throughput = { imagesPerSecond: BATCH / times.wallSeconds, imagesPerCpuSecond: BATCH / times.cpuSeconds };
  rig.dispose();
  console.log(line(`${backend.id}, 1 process (trainStep)`, single));

  const parallel = await timeDataParallel(workers, warmup, iterations);
  const speedup = parallel.imagesPerSecond / single.imagesPerSecond;
  // CPU time per image against 1 thread: what splitting costs, whatever else the machine is running
  // (images/s needs idle cores: with another job holding one, 2 workers cannot beat 1 thread).
  const cpuCost = single.imagesPerCpuSecond / parallel.imagesPerCpuSecond;
  console.log(line(`${backend.id}, ${workers} data-parallel workers`, parallel, `  (${speedup.toFixed(2)}x 1 process; CPU per image ${cpuCost.toFixed(2)}x)`));

  if (process.argv.includes('--skip-torch')) return;
  const torch = runTorchReference({ batchSize: BATCH, numClasses: CLASSES, grid: METHOD.grid, localHead: true, warmup, iterations, threads: 2 });
  if (torch.kind === 'skipped') {
    console.log(`PyTorch: skipped (${torch.reason})`);
    return;
  }
  const reference: Throughput = { imagesPerSecond: torch.images_per_second, imagesPerCpuSecond: BATCH / (torch.cpu_ms_per_step / 1000) };
  console.log(line('PyTorch CPU, 2 threads', reference));
  const ratio = (ours: Throughput) => (ours.imagesPerSecond / reference.imagesPerSecond).toFixed(2);
  console.log(`images/s ratio to PyTorch: 1 process ${ratio(single)}x, ${workers} workers ${ratio(parallel)}x`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
