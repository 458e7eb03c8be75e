// Times training steps built from src/engine/ops.ts: a small CNN on wasm against cpu (the target:
// wasm >= 50x faster; cpu with the engine's ops, optionally with tf's own gradients), a ResNet-20-like
// stack on wasm in images/s, and a per-kernel profile of one ResNet-20 step so the next person knows
// where the time goes. Wall times on a shared machine are inflated by other jobs; the CPU time of
// this process is printed beside them.
//   node dist/scripts/bench-engine.js [--cpu-steps N] [--wasm-steps N] [--skip-cpu] [--skip-resnet]
//                                     [--cpu-tf-gradients]   (one more cpu step, ~140 s CPU time)
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as ops from '../src/engine/ops';
import { Rng } from '../src/engine/rng';

/** The layers the benchmark nets are built from. */
type LayerOps = Pick<typeof ops, 'conv2d' | 'batchNormTrain' | 'relu' | 'globalAvgPool' | 'linear'>;

/** The same layers on tf's own ops and gradients (what the engine replaces): the cpu reference. */
const tfOwnLayers: LayerOps = {
  conv2d: (x, filter, args) => tf.conv2d(
    x, filter, args.strides ?? 1, typeof args.pad === 'number' ? [[0, 0], [args.pad, args.pad], [args.pad, args.pad], [0, 0]] : args.pad,
  ),
  batchNormTrain: (x, gamma, beta, epsilon) => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const y = tf.batchNorm(x, mean, variance, beta, gamma, epsilon) as tf.Tensor4D;
    return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  },
  relu: <T extends tf.Tensor>(x: T): T => tf.relu(x),
  globalAvgPool: (x) => tf.mean(x, [1, 2]) as tf.Tensor2D,
  linear: ops.linear,
};

interface Net {
  params: tf.Variable[];
  logits(x: tf.Tensor4D): tf.Tensor2D;
}

interface Batch {
  x: tf.Tensor4D;
  labels: tf.Tensor2D;
}

function heNormal(rng: Rng, shape: number[], fanIn: number): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  const std = Math.sqrt(2 / fanIn);
  return tf.variable(tf.tensor(Float32Array.from({ length: size }, () => rng.normal() * std), shape));
}

/** Convolution + batch norm (+ ReLU) parameters and the forward of that unit. */
class ConvBn {
  readonly filter: tf.Variable;
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;

  constructor(rng: Rng, k: number, cin: number, cout: number, private readonly stride = 1, private readonly layers: LayerOps = ops) {
    this.filter = heNormal(rng, [k, k, cin, cout], k * k * cin);
    this.gamma = tf.variable(tf.ones([cout]));
    this.beta = tf.variable(tf.zeros([cout]));
  }

  get params(): tf.Variable[] {
    return [this.filter, this.gamma, this.beta];
  }

  apply(x: tf.Tensor4D, withRelu: boolean): tf.Tensor4D {
    const k = this.filter.shape[0];
    const h = this.layers.conv2d(x, this.filter as tf.Tensor4D, { strides: this.stride, pad: (k - 1) / 2 });
    const y = this.layers.batchNormTrain(h, this.gamma as tf.Tensor1D, this.beta as tf.Tensor1D, 1e-5).y;
    return withRelu ? this.layers.relu(y) : y;
  }
}

class Linear {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(rng: Rng, cin: number, cout: number) {
    this.weight = heNormal(rng, [cin, cout], cin);
    this.bias = tf.variable(tf.zeros([cout]));
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return ops.linear(x, this.weight as tf.Tensor2D, this.bias as tf.Tensor1D);
  }
}

/** conv3x3(3->32)-BN-ReLU, conv3x3(32->32)-BN-ReLU, global average pool, linear to 10 classes. */
function smallCnn(rng: Rng, layers: LayerOps = ops): Net {
  const c1 = new ConvBn(rng, 3, 3, 32, 1, layers);
  const c2 = new ConvBn(rng, 3, 32, 32, 1, layers);
  const fc = new Linear(rng, 32, 10);
  return {
    params: [...c1.params, ...c2.params, fc.weight, fc.bias],
    logits: (x) => fc.apply(layers.globalAvgPool(c2.apply(c1.apply(x, true), true))),
  };
}

/** ResNet-20 (CIFAR): 3 stages x 3 basic blocks of 16/32/64 channels, 1x1-conv shortcuts on downsampling. */
function resnet20(rng: Rng): Net {
  const stem = new ConvBn(rng, 3, 3, 16);
  const blocks: Array<{ a: ConvBn; b: ConvBn; shortcut?: ConvBn }> = [];
  let cin = 16;
  for (const [stage, width] of [16, 32, 64].entries()) {
    for (let i = 0; i < 3; i++) {
      const stride = stage > 0 && i === 0 ? 2 : 1;
      blocks.push({
        a: new ConvBn(rng, 3, cin, width, stride),
        b: new ConvBn(rng, 3, width, width),
        shortcut: stride !== 1 || cin !== width ? new ConvBn(rng, 1, cin, width, stride) : undefined,
      });
      cin = width;
    }
  }
  const fc = new Linear(rng, 64, 10);
  return {
    params: [
      ...stem.params,
      ...blocks.flatMap((b) => [...b.a.params, ...b.b.params, ...(b.shortcut?.params ?? [])]),
      fc.weight, fc.bias,
    ],
    logits: (x) => {
      let h = stem.apply(x, true);
      for (const block of blocks) {
        const residual = block.shortcut ? block.shortcut.apply(h, false) : h;
        h = ops.relu(tf.add(block.b.apply(block.a.apply(h, true), false), residual));
      }
      return fc.apply(ops.globalAvgPool(h));
    },
  };
}

function randomBatch(rng: Rng, size: number, classes: number): Batch {
  const pixels = Float32Array.from({ length: size * 32 * 32 * 3 }, () => rng.normal());
  const labels = Int32Array.from({ length: size }, () => rng.int(classes));
  return { x: tf.tensor4d(pixels, [size, 32, 32, 3]), labels: tf.oneHot(tf.tensor1d(labels, 'int32'), classes) as tf.Tensor2D };
}

/** Seconds of one step: wall clock, and CPU time of this process (what other jobs cannot inflate). */
interface StepTime {
  wall: number;
  cpu: number;
}

/** One SGD step (forward, backward, update), including reading the loss back. */
function trainStep(net: Net, batch: Batch, optimizer: tf.Optimizer): StepTime {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(batch.labels, net.logits(batch.x)) as tf.Scalar, net.params);
    optimizer.applyGradients(grads);
    value.dataSync();
  });
  const cpu = process.cpuUsage(cpuStart);
  return { wall: (performance.now() - start) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

function medianStep(steps: StepTime[]): StepTime {
  return { wall: median(steps.map((s) => s.wall)), cpu: median(steps.map((s) => s.cpu)) };
}

function describe(t: StepTime): string {
  return `${t.wall.toFixed(3)} s/step wall (${t.cpu.toFixed(3)} s CPU)`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function timeSteps(backend: 'wasm' | 'cpu', build: (rng: Rng) => Net, batchSize: number, warmup: number, steps: number): Promise<StepTime> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to initialise`);
  await tf.ready();
  const rng = new Rng(1);
  const net = build(rng);
  const batch = randomBatch(rng, batchSize, 10);
  const optimizer = tf.train.sgd(0.01);
  for (let i = 0; i < warmup; i++) trainStep(net, batch, optimizer);
  const times = Array.from({ length: steps }, () => trainStep(net, batch, optimizer));
  tf.dispose([...net.params, batch.x, batch.labels]);
  optimizer.dispose();
  return medianStep(times);
}

/** Kernel time summed per kernel name: total ms and number of calls. */
type KernelTotals = Map<string, { ms: number; calls: number }>;

/**
 * Kernel time of running f once, per kernel name. Entries that are not kernels (a custom-gradient
 * op's forward, timed as a whole around the kernels it runs) are left out so that no time is counted
 * twice.
 */
async function kernelTotals(f: () => void): Promise<KernelTotals> {
  const profile = await tf.profile(f);
  const totals: KernelTotals = new Map();
  for (const k of profile.kernels) {
    if (!tf.getKernel(k.name, 'wasm')) continue;
    const entry = totals.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    entry.calls += 1;
    totals.set(k.name, entry);
  }
  return totals;
}

/** Kernel times of one training step, and of its forward pass alone (what the backward adds is the difference). */
async function stepProfile(build: (rng: Rng) => Net, batchSize: number): Promise<{ step: KernelTotals; forward: KernelTotals }> {
  await tf.setBackend('wasm');
  const rng = new Rng(1);
  const net = build(rng);
  const batch = randomBatch(rng, batchSize, 10);
  const optimizer = tf.train.sgd(0.01);
  trainStep(net, batch, optimizer);
  const step = await kernelTotals(() => {
    trainStep(net, batch, optimizer);
  });
  const forward = await kernelTotals(() => {
    tf.tidy(() => {
      net.logits(batch.x).dataSync();
    });
  });
  tf.dispose([...net.params, batch.x, batch.labels]);
  optimizer.dispose();
  return { step, forward };
}

function printProfile({ step, forward }: { step: KernelTotals; forward: KernelTotals }, rows: number): void {
  const sum = (t: KernelTotals) => [...t.values()].reduce((s, e) => s + e.ms, 0);
  const total = sum(step);
  console.log(`kernel profile of one ResNet-20 step (wasm): ${total.toFixed(0)} ms of kernel time, ${sum(forward).toFixed(0)} ms of it in the forward pass`);
  console.log(`  ${'kernel'.padEnd(20)} ${'step ms'.padStart(8)} ${'share'.padStart(6)} ${'calls'.padStart(6)} ${'forward ms'.padStart(11)}`);
  const sorted = [...step.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, rows);
  for (const [name, { ms, calls }] of sorted) {
    const share = `${((100 * ms) / total).toFixed(1)}%`;
    console.log(`  ${name.padEnd(20)} ${ms.toFixed(0).padStart(8)} ${share.padStart(6)} ${String(calls).padStart(6)} ${(forward.get(name)?.ms ?? 0).toFixed(0).padStart(11)}`);
  }
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const wasmSteps = flag('--wasm-steps', 5);
  const cpuSteps = flag('--cpu-steps', 1);
  const skipCpu = process.argv.includes('--skip-cpu');
  const skipResnet = process.argv.includes('--skip-resnet');
  const withTfGradientsOnCpu = process.argv.includes('--cpu-tf-gradients');

  const load = () => `load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`;
  const wasm = await timeSteps('wasm', smallCnn, 64, 2, wasmSteps);
  console.log(`small CNN, batch 64, 32x32x3: wasm ${describe(wasm)}, median of ${wasmSteps}; ${load()}`);
  if (!skipCpu) {
    const cpu = await timeSteps('cpu', smallCnn, 64, 0, cpuSteps);
    console.log(`small CNN, batch 64, 32x32x3: cpu  ${describe(cpu)}, median of ${cpuSteps}; ${load()}`);
    console.log(`  cpu/wasm: ${(cpu.wall / wasm.wall).toFixed(1)}x wall, ${(cpu.cpu / wasm.cpu).toFixed(1)}x CPU time (same engine ops on both)`);
  }
  if (withTfGradientsOnCpu) {
    const cpuTf = await timeSteps('cpu', (rng) => smallCnn(rng, tfOwnLayers), 64, 0, 1);
    console.log(`small CNN, batch 64, 32x32x3: cpu with tf's own gradients ${describe(cpuTf)}; ${load()}`);
    console.log(`  cpu (tf's gradients)/wasm: ${(cpuTf.wall / wasm.wall).toFixed(1)}x wall, ${(cpuTf.cpu / wasm.cpu).toFixed(1)}x CPU time`);
  }
  if (skipResnet) return;
  const resnet = await timeSteps('wasm', resnet20, 128, 1, Math.max(1, Math.min(wasmSteps, 3)));
  console.log(`ResNet-20-like, batch 128, wasm: ${describe(resnet)}: ${(128 / resnet.wall).toFixed(1)} images/s wall, ` +
    `${(128 / resnet.cpu).toFixed(1)} images/s per CPU-second; ${load()}`);
  printProfile(await stepProfile(resnet20, 128), 15);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
