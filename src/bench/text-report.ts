// The human-readable form of the bench: one table per section, rows printed as the measurements come
// in, and after each section the goal it is held to (GridMix mixing <= 3 % of a ResNet-20 step,
// memory growth <= 5 %), met or not.
import { GRIDMIX_STEP_SHARE_TARGET_PERCENT } from './mixing';
import { TORCH_RATIO_TARGETS } from './torch-reference';
import type { BenchRecord, EnvironmentRecord, MixingRecord, TorchComparisonRecord, TrainStepRecord } from './records';
import type { BenchSection, BenchSettings } from './settings';
import { VARIANT_TITLES, type Variant } from '../report/paper-numbers';

const pad = (text: string | number, width: number) => String(text).padEnd(width);
const num = (value: number, width: number, digits = 0) => value.toFixed(digits).padStart(width);

/** Seconds as the paper writes them (8231 s) plus hours for the long ones. */
export function formatDuration(seconds: number): string {
  const rounded = `${Math.round(seconds)} s`;
  return seconds >= 3600 ? `${rounded} (${(seconds / 3600).toFixed(1)} h)` : rounded;
}

/** The heading and column titles of a section, numbered by its place in this run. */
export function sectionTitle(section: BenchSection, settings: BenchSettings): string[] {
  const [title, ...rest] = sectionHeading(section, settings);
  return [`${settings.sections.indexOf(section) + 1}. ${title}`, ...rest];
}

function sectionHeading(section: BenchSection, settings: BenchSettings): string[] {
  const b = settings.batchSize;
  switch (section) {
    case 'mixing':
      return [
        `Mixing throughput, batch ${b} (median of ${settings.mixRounds} rounds of ${settings.mixBatchesPerRound} batches, after warm-up)`,
        `${pad('method', 24)} ${pad('image', 9)} ${'ms/batch'.padStart(9)} ${'images/s'.padStart(10)} ${'% of resnet20 step'.padStart(19)}`,
      ];
    case 'steps':
      return [
        `Training step (mixing + forward + loss + backward + SGD update), median of ${settings.iterations} timed steps after ${settings.warmup} warm-up`,
        `${pad('backbone', 13)} ${pad('input', 6)} ${'classes'.padStart(7)} ${pad('method', 24)} ${pad('head', 4)} ${'batch'.padStart(5)} ${'ms/step'.padStart(9)} ${'images/s'.padStart(9)} ${'it/s'.padStart(7)} ${'params'.padStart(11)}`,
      ];
    case 'table3':
      return [
        `Table 3: training speed on CIFAR-100 (32x32, 100 classes), batch 128; projected = 391 iterations x 200 epochs / it/s`,
        `   each cell: 1 warm-up + ${settings.table3Iterations} timed step(s) at the largest batch whose estimate fits ${settings.table3BudgetSeconds} s; it/s at 128 = images/s / 128`,
        `${pad('backbone', 10)} ${pad('method', 19)} ${'batch'.padStart(5)} ${'images/s'.padStart(9)} ${'it/s@128'.padStart(9)} ${pad('projected', 20)} | ${'paper it/s'.padStart(10)} ${'paper projected'.padStart(16)}`,
      ];
    case 'memory':
      return ['Resident memory over a training-step loop (rss after a full garbage collection every 10 steps: median of the first half vs the last quarter; target: growth <= 5%)'];
    case 'torch':
      return ['PyTorch reference (Debian python3-torch), same ResNet-20 + local head GridMix step, same batch'];
    case 'engines':
      return [
        `CPU engines: the resnet20 GridMix step (local head) at batch ${b} on each, one process each, median of ${settings.iterations} timed steps after ${settings.warmup} warm-up`,
        `${pad('backend', 13)} ${pad('backbone', 13)} ${pad('input', 6)} ${'classes'.padStart(7)} ${pad('method', 24)} ${pad('head', 4)} ${'batch'.padStart(5)} ${'ms/step'.padStart(9)} ${'images/s'.padStart(9)} ${'it/s'.padStart(7)} ${'params'.padStart(11)}`,
      ];
  }
}

function environmentLines(r: EnvironmentRecord): string[] {
  const busy = r.load_average > r.cores ? ` — busier than its ${r.cores} cores: timings are inflated and noisy` : '';
  return [
    `gridmix bench: backend ${r.backend_label}; node ${r.node}; ${r.cores} cores, load average ${r.load_average.toFixed(1)}${busy}`,
    `  ${r.quick ? '--quick: fewer iterations, smaller budgets, the big backbones skipped or at small batches; ' : ''}every timing is a median after warm-up`,
  ];
}

function stepRow(r: TrainStepRecord): string {
  return `${pad(r.backbone, 13)} ${pad(`${r.input_size}x${r.input_size}`, 6)} ${num(r.num_classes, 7)} ${pad(r.method, 24)} ${pad(r.local_head ? 'yes' : 'no', 4)} ${num(r.batch_size, 5)} ${num(r.ms_per_step, 9)} ${num(r.images_per_second, 9, 1)} ${num(r.it_per_second, 7, 3)} ${num(r.parameters, 11)}`;
}

function mixingRow(r: MixingRecord): string {
  const share = r.step_share_percent === undefined ? '' : `${r.step_share_percent.toFixed(2)}%`;
  return `${pad(r.method, 24)} ${pad(`${r.height}x${r.width}x${r.channels}`, 9)} ${num(r.ms_per_batch, 9, 2)} ${num(r.images_per_second, 10)} ${share.padStart(19)}`;
}

/** The text lines of one record (empty for records another line already speaks for). */
export function formatRecord(r: BenchRecord): string[] {
  switch (r.kind) {
    case 'environment':
      return environmentLines(r);
    case 'mixing':
      return [mixingRow(r)];
    case 'train-step':
      if (r.section === 'mixing') {
        return [`reference step: resnet20, no mixing, no local head, batch ${r.batch_size}, ${r.input_size}x${r.input_size}x3: ${r.ms_per_step.toFixed(0)} ms (median of ${r.iterations}), ${r.images_per_second.toFixed(1)} images/s`];
      }
      if (r.section === 'torch') return [`ours: ${stepRow(r)}`];
      if (r.section === 'engines') return [`${pad(r.backend, 13)} ${stepRow(r)}`];
      return [stepRow(r)];
    case 'skipped':
      return [`skipped: ${r.backbone}: ${r.reason}`];
    case 'table3':
      return [
        `${pad(r.backbone, 10)} ${pad(VARIANT_TITLES[r.method as Variant] ?? r.method, 19)} ${num(r.measured_batch_size, 5)} ${num(r.images_per_second, 9, 2)} ${num(r.it_per_second, 9, 4)} ${pad(formatDuration(r.projected_seconds), 20)} | ${num(r.paper_it_per_second, 10, 1)} ${formatDuration(r.paper_projected_seconds).padStart(16)}`,
      ];
    case 'memory':
      return [
        `${r.backbone} ${r.method}, batch ${r.batch_size}, ${r.steps} steps: rss ${r.rss_mb_at_step_10.toFixed(0)} MB (first half) -> ${r.rss_mb_at_end.toFixed(0)} MB (last quarter): ${r.growth_percent >= 0 ? '+' : ''}${r.growth_percent.toFixed(1)}% (target <= ${r.target_percent}%: ${r.within_target ? 'met' : 'NOT met'}); live tensors ${r.tensors_at_step_10} -> ${r.tensors_at_end}`,
      ];
    case 'torch-reference':
      return [
        `PyTorch ${r.torch_version}, ${r.threads} thread${r.threads === 1 ? '' : 's'}: ${r.ms_per_step.toFixed(0)} ms/step (median of ${r.iterations} after ${r.warmup} warm-up), ${r.images_per_second.toFixed(1)} images/s, ${r.parameters} parameters`,
      ];
    case 'engine-comparison': {
      const [a, b] = r.engines;
      return [
        `${a} / ${b} (images/s): ${r.images_per_second[a].toFixed(1)} / ${r.images_per_second[b].toFixed(1)} = ${r.ratio.toFixed(2)}x; auto tries ${r.auto_order.join(' before ')}: ${r.order_holds ? 'this run agrees' : 'this run DISAGREES'}`,
      ];
    }
    case 'torch-comparison':
      return [
        `ours / PyTorch (images/s): ${r.ours_images_per_second.toFixed(1)} / ${r.torch_images_per_second.toFixed(1)} = ${r.ratio.toFixed(2)}x (${r.backend} vs PyTorch on ${r.torch_threads} thread${r.torch_threads === 1 ? '' : 's'}); per CPU-second: ${r.cpu_time_ratio.toFixed(2)}x`,
        `parameter count: ours ${r.ours_parameters}, PyTorch ${r.torch_parameters}: ${r.parameters_match ? 'equal' : 'DIFFERENT'}`,
      ];
  }
}

/** The goal a section is held to, from its records (empty when it has none or nothing to judge). */
export function sectionVerdict(section: BenchSection, records: readonly BenchRecord[]): string[] {
  if (section === 'torch') return torchVerdict(records);
  if (section !== 'mixing') return [];
  const shares = records.filter((r): r is MixingRecord => r.kind === 'mixing' && r.method.startsWith('gridmix') && r.step_share_percent !== undefined);
  if (shares.length === 0) return [];
  const worst = Math.max(...shares.map((r) => r.step_share_percent!));
  const listed = shares.map((r) => `${r.method} ${r.step_share_percent!.toFixed(2)}%`).join(', ');
  return [`target: GridMix mixing <= ${GRIDMIX_STEP_SHARE_TARGET_PERCENT}% of a resnet20 step: ${listed}: ${worst <= GRIDMIX_STEP_SHARE_TARGET_PERCENT ? 'met' : 'NOT met'}`];
}

/** Each engine against its target ratio to PyTorch on 2 threads (TORCH_RATIO_TARGETS). */
function torchVerdict(records: readonly BenchRecord[]): string[] {
  return records
    .filter((r): r is TorchComparisonRecord => r.kind === 'torch-comparison' && r.torch_threads === 2 && TORCH_RATIO_TARGETS[r.backend] !== undefined)
    .map((r) => {
      const target = TORCH_RATIO_TARGETS[r.backend]!;
      return `target: ${r.backend} >= ${target.toFixed(1)}x PyTorch (2 threads) in images/s: ${r.ratio.toFixed(2)}x: ${r.ratio >= target ? 'met' : 'NOT met'}`;
    });
}
