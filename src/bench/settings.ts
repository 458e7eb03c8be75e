// What one `gridmix bench` run measures and how hard: sections, batch sizes, iterations, budgets.
// Defaults are the full bench; --quick shrinks the iterations and budgets (and says so in the output).
import { BACKBONES } from '../models/registry';

/**
 * In the order they run. Memory goes first: the wasm heap never shrinks, so after the big backbones
 * have grown it, a leak would fill freed heap pages without moving the resident size. `engines`
 * (only when asked for: --only engines) times the resnet20 GridMix step on each CPU engine.
 */
export const BENCH_SECTIONS = ['memory', 'mixing', 'steps', 'table3', 'torch', 'engines'] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];

/** Measured at full batch in section 2: the CPU-scale backbones. */
export const SMALL_BACKBONES = ['resnet20', 'vgg_small'] as const;

/** Probed in section 2 and measured if they fit the budget: the paper's other backbones, at their dataset's size. */
export const OTHER_BACKBONES: readonly { backbone: keyof typeof BACKBONES; inputSize: number; numClasses: number }[] = [
  { backbone: 'resnet18', inputSize: 32, numClasses: 100 },
  { backbone: 'wrn28_4', inputSize: 32, numClasses: 100 },
  { backbone: 'preresnet101', inputSize: 32, numClasses: 100 },
  { backbone: 'vgg11_bn', inputSize: 64, numClasses: 200 },
  { backbone: 'resnet50', inputSize: 64, numClasses: 200 },
];

export interface BenchFlags {
  quick?: boolean;
  /** Timed iterations per measurement (train steps, mixing rounds, the PyTorch reference). */
  iterations?: number;
  /** Batch of the mixing and training-step measurements (default 128, the paper's). */
  batchSize?: number;
  /** Sections to run; default mixing, steps, table3, plus memory / torch when asked for. */
  only?: readonly BenchSection[];
  memory?: boolean;
  compareTorch?: boolean;
  /** Seconds one measurement may take before it is skipped (section 2) or its batch shrunk (Table 3). */
  budgetSeconds?: number;
  memorySteps?: number;
}

export interface BenchSettings {
  quick: boolean;
  sections: BenchSection[];
  batchSize: number;
  warmup: number;
  iterations: number;
  mixRounds: number;
  mixBatchesPerRound: number;
  budgetSeconds: number;
  /** Table 3 times every cell with few steps (1 warm-up + this many) at the largest batch within budget. */
  table3Iterations: number;
  table3BudgetSeconds: number;
  /** The batch a probe step runs at to estimate a big backbone's cost. */
  probeBatch: number;
  /** Section 2's backbones beyond the small ones ([] with --quick). */
  otherBackbones: typeof OTHER_BACKBONES;
  memorySteps: number;
  /** The memory loop runs ResNet-20 at a small batch: a leak shows per step, whatever the batch. */
  memoryBatchSize: number;
}

export function benchSettings(flags: BenchFlags): BenchSettings {
  const quick = flags.quick ?? false;
  const asked = new Set<BenchSection>(['mixing', 'steps', 'table3']);
  if (flags.memory) asked.add('memory');
  if (flags.compareTorch) asked.add('torch');
  const defaults = BENCH_SECTIONS.filter((s) => asked.has(s));
  const iterations = flags.iterations ?? (quick ? 2 : 5);
  const budgetSeconds = flags.budgetSeconds ?? (quick ? 20 : 120);
  return {
    quick,
    sections: flags.only ? BENCH_SECTIONS.filter((s) => flags.only!.includes(s)) : defaults,
    batchSize: flags.batchSize ?? 128,
    warmup: 1,
    iterations,
    mixRounds: iterations,
    mixBatchesPerRound: quick ? 2 : 4,
    budgetSeconds,
    table3Iterations: quick ? 1 : Math.min(iterations, 2),
    table3BudgetSeconds: budgetSeconds / 2,
    probeBatch: 4,
    otherBackbones: quick ? [] : OTHER_BACKBONES,
    memorySteps: flags.memorySteps ?? (quick ? 30 : 200),
    memoryBatchSize: 16,
  };
}
