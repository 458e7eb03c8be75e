// What `gridmix bench` measures, one record per measurement; with --json each is printed as one JSON
// object per line (snake_case keys, as results' summary.json), so other tools read them line by line.

interface RecordBase {
  /** tfjs backend name the measurement ran on ('wasm', 'cpu', 'tensorflow'); 'pytorch' for the reference. */
  backend: string;
}

export interface EnvironmentRecord extends RecordBase {
  kind: 'environment';
  backend_label: string;
  node: string;
  cores: number;
  /** 1-minute load average when the bench started: above the core count, other jobs share the CPU. */
  load_average: number;
  quick: boolean;
  sections: string[];
}

export interface MixingRecord extends RecordBase {
  kind: 'mixing';
  method: string;
  height: number;
  width: number;
  channels: number;
  batch_size: number;
  /** Timed rounds of `batches_per_round` batches; the median round is kept. */
  rounds: number;
  batches_per_round: number;
  ms_per_batch: number;
  images_per_second: number;
  /** Mixing time as a % of one reference training step (set at the reference step's image size only). */
  step_share_percent?: number;
  reference_step_ms?: number;
}

export interface TrainStepRecord extends RecordBase {
  kind: 'train-step';
  /** Which part of the bench asked for it: 'steps', 'mixing' (the reference step), 'torch' (the compared step). */
  section: string;
  backbone: string;
  method: string;
  local_head: boolean;
  input_size: number;
  num_classes: number;
  batch_size: number;
  warmup: number;
  iterations: number;
  ms_per_step: number;
  cpu_ms_per_step: number;
  images_per_second: number;
  it_per_second: number;
  parameters: number;
}

export interface SkippedRecord extends RecordBase {
  kind: 'skipped';
  section: string;
  backbone: string;
  reason: string;
  /** Seconds the measurement was expected to take, when a probe step estimated it. */
  estimated_seconds?: number;
}

export interface Table3Record extends RecordBase {
  kind: 'table3';
  backbone: string;
  method: string;
  /** The batch the steps ran at; it/s is per batch of 128 (scaled by images/s when this is smaller). */
  measured_batch_size: number;
  warmup: number;
  iterations: number;
  images_per_second: number;
  it_per_second: number;
  projected_seconds: number;
  paper_it_per_second: number;
  paper_projected_seconds: number;
}

export interface MemoryRecord extends RecordBase {
  kind: 'memory';
  backbone: string;
  method: string;
  batch_size: number;
  steps: number;
  /** Median resident set (after a full GC) over the loop's first half, from step 10 (src/bench/memory.ts). */
  rss_mb_at_step_10: number;
  /** The same over the loop's last quarter. */
  rss_mb_at_end: number;
  growth_percent: number;
  tensors_at_step_10: number;
  tensors_at_end: number;
  target_percent: number;
  within_target: boolean;
}

export interface TorchReferenceRecord extends RecordBase {
  kind: 'torch-reference';
  backbone: string;
  method: string;
  local_head: boolean;
  grid: number;
  batch_size: number;
  num_classes: number;
  threads: number;
  torch_version: string;
  warmup: number;
  iterations: number;
  ms_per_step: number;
  cpu_ms_per_step: number;
  images_per_second: number;
  it_per_second: number;
  parameters: number;
}

export interface TorchComparisonRecord extends RecordBase {
  kind: 'torch-comparison';
  backbone: string;
  batch_size: number;
  ours_images_per_second: number;
  torch_images_per_second: number;
  /** ours / PyTorch in images/s: above 1, gridmix is faster. */
  ratio: number;
  /**
   * ours / PyTorch in images per CPU-second of the process: what other jobs on a shared machine
   * inflate least (both sides' CPU time counts every thread they ran).
   */
  cpu_time_ratio: number;
  torch_threads: number;
  ours_parameters: number;
  torch_parameters: number;
  parameters_match: boolean;
}

/** The same step on each CPU engine in one run: the measurement behind auto's CPU_ENGINE_ORDER. */
export interface EngineComparisonRecord extends RecordBase {
  kind: 'engine-comparison';
  backbone: string;
  method: string;
  batch_size: number;
  /** images/s per backend id, as measured. */
  images_per_second: Record<string, number>;
  /** The first engine's images/s over the second's, in `engines` order. */
  ratio: number;
  engines: [string, string];
  /** The order auto tries them in (src/engine/backend.ts), and whether this run agrees with it. */
  auto_order: string[];
  order_holds: boolean;
}

export type BenchRecord =
  | EnvironmentRecord
  | MixingRecord
  | TrainStepRecord
  | SkippedRecord
  | Table3Record
  | MemoryRecord
  | TorchReferenceRecord
  | TorchComparisonRecord
  | EngineComparisonRecord;

export type BenchRecordKind = BenchRecord['kind'];

/** One line of --json output: the record as compact JSON, `kind` first. */
export function toJsonLine(record: BenchRecord): string {
  const line = JSON.stringify(record);
  if (line.includes('\n')) throw new Error('a bench record must fit on one line');
  return line;
}
