// The experiment config: one zod schema that is both the validation and the TypeScript type
// (ExperimentConfig = z.output<typeof experimentSchema>). Defaults live here, in one place.
// Objects are strict: an unknown key is an error (with the closest valid key suggested).
import { z } from 'zod';
import { BACKEND_CHOICES } from '../engine/backend';

const positiveInt = (what: string) => z.number({ error: `expected ${what} (a positive integer)` }).int({ error: `expected ${what} (a positive integer)` }).min(1, { error: `expected ${what} (a positive integer)` });

export const METHOD_NAMES = ['baseline', 'mixup', 'cutmix', 'gridmix'] as const;

/** Grid size N of GridMix: a positive integer, or "random" (one N per batch from gridChoices). */
const GRID_ERROR = 'expected a positive integer grid size N or "random"';
const gridSchema = z.union([z.number().int({ error: GRID_ERROR }).min(1, { error: GRID_ERROR }), z.literal('random')], {
  error: GRID_ERROR,
});

/** dataset.imageSize bounds: below 8 px a padded crop is mostly padding; above 1024 one image is 3 MB decoded. */
export const MIN_IMAGE_SIZE = 8;
export const MAX_IMAGE_SIZE = 1024;
const IMAGE_SIZE_ERROR = `expected an image side in pixels (an integer from ${MIN_IMAGE_SIZE} to ${MAX_IMAGE_SIZE})`;

export const datasetSchema = z.strictObject({
  /** Registry name: fashion-mnist, fashion-mnist-mini, cifar10, cifar100, tiny-imagenet, imagenet, cub200. */
  name: z.string().min(1),
  /** Where the files are; when absent the reader looks in its usual places (gridmix data list). */
  root: z.string().min(1).optional(),
  /** Class-balanced, seeded subsets for quick runs. */
  trainLimit: positiveInt('a number of images').optional(),
  testLimit: positiveInt('a number of images').optional(),
  /**
   * Side of the square images the folder datasets (cub200, imagenet, tiny-imagenet) are decoded to;
   * the resolved config carries the reader's default (224, 224, 64) when it is not given. The
   * fixed-size datasets refuse it (checkConfigRules).
   */
  imageSize: z
    .number({ error: IMAGE_SIZE_ERROR })
    .int({ error: IMAGE_SIZE_ERROR })
    .min(MIN_IMAGE_SIZE, { error: IMAGE_SIZE_ERROR })
    .max(MAX_IMAGE_SIZE, { error: IMAGE_SIZE_ERROR })
    .optional(),
  /** Standard augmentation (random crop with padding + horizontal flip) of training batches. */
  augment: z.boolean().default(true),
});

export const backboneSchema = z.strictObject({
  /** Registry name, e.g. resnet20, vgg19_bn, resnet50, wrn28_4, resnext50_32x4d. */
  name: z.string().min(1),
});

export const methodSchema = z
  .strictObject({
    name: z.enum(METHOD_NAMES, { error: `expected one of: ${METHOD_NAMES.join(', ')}` }),
    /** MixUp / CutMix: lambda ~ Beta(alpha, alpha). */
    alpha: z.number().gt(0, { error: 'expected alpha > 0' }).default(1.0),
    /** GridMix grid size N (paper default 4), or "random". */
    grid: gridSchema.default(4),
    /** The set "random" draws N from, once per batch (Table 4's "Random" column). */
    gridChoices: z.array(z.number().int().min(1)).min(1).default([2, 4, 8]),
    /** GridMix: probability that a cell keeps image A (paper default 0.8). */
    p: z.number({ error: 'expected a number in (0, 1]' }).gt(0, { error: 'expected a number in (0, 1]' }).lte(1, { error: 'expected a number in (0, 1]' }).default(0.8),
    /** GridMix: weight of the local loss, Eq. (4) (paper default 0.15); 0 = "GridMix wo. Eq. (4)". */
    gamma: z.number({ error: 'expected a number >= 0' }).min(0, { error: 'expected a number >= 0' }).default(0.15),
    /** Eq. (4) sums the cell losses; "mean" averages them instead (not the paper's). */
    localReduction: z.enum(['sum', 'mean']).default('sum'),
  });

export const optimizerSchema = z.strictObject({
  lr: z.number().gt(0, { error: 'expected a learning rate > 0' }).default(0.1),
  momentum: z.number().min(0).lt(1).default(0.9),
  nesterov: z.boolean().default(false),
  weightDecay: z.number().min(0).default(5e-4),
  /** Also decay batch-norm and bias parameters (off by default, as in most modern recipes). */
  decayNormAndBias: z.boolean().default(false),
});

export const scheduleSchema = z.strictObject({
  type: z.enum(['step', 'cosine', 'constant']).default('step'),
  /** step: epochs at which lr is multiplied by factor. */
  milestones: z.array(z.number().int().min(1)).default([]),
  factor: z.number().gt(0).lte(1).default(0.1),
  /** Linear warm-up from lr/warmupEpochs-scale to lr over the first epochs. */
  warmupEpochs: z.number().int().min(0).default(0),
});

export const trainingSchema = z.strictObject({
  epochs: positiveInt('a number of epochs'),
  batchSize: positiveInt('a batch size').default(128),
  evalBatchSize: positiveInt('a batch size').default(256),
  /** Also checkpoint within an epoch when this many minutes passed since the last one (0: epoch ends only). */
  checkpointMinutes: z.number().min(0).default(10),
  /**
   * Data-parallel worker threads, wasm backend only (it runs on one thread under Node): each worker
   * trains a replica on its share of every batch and the gradients are averaged. 1 = the
   * single-thread path (unchanged). resnet20 + GridMix at batch 128 on 2 idle cores: 110-116
   * images/s with 2 workers against 59 with 1 (scripts/bench-data-parallel.ts); with another job
   * on the machine, the kernel's per-session fair share can leave one core and no gain.
   * Batch-norm statistics are per worker within a step (like
   * PyTorch DDP without SyncBatchNorm): numbers differ from 1 worker, but repeat for a given seed
   * and worker count.
   */
  workers: z.number().int().min(1).default(1),
  optimizer: optimizerSchema.prefault({}),
  schedule: scheduleSchema.prefault({}),
});

/** ablate: values to sweep; each combination is one run. */
export const sweepSchema = z.strictObject({
  grid: z.array(gridSchema).min(1).optional(),
  p: z.array(z.number().gt(0).lte(1)).min(1).optional(),
  gamma: z.array(z.number().min(0)).min(1).optional(),
  method: z.array(z.enum(METHOD_NAMES)).min(1).optional(),
});

/**
 * The experiment's name is one folder under results/: a single path segment (not "." or "..",
 * which would put runs beside or above results/), short enough that its run folders and temp files
 * stay within the 255 bytes a file name may take.
 */
const NAME_PATTERN = /^[A-Za-z0-9._-]+$/;
const NAME_MAX_LENGTH = 100;
const NAME_ERROR = `expected one folder name of up to ${NAME_MAX_LENGTH} letters, digits, ".", "_" or "-" (not "." or "..")`;

export const EXECUTOR_NAMES = ['local', 'slurm'] as const;

/** Slurm's --time formats: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
const SLURM_TIME = /^(\d+-\d{1,2}(:\d{1,2}){0,2}|\d+(:\d{1,2}){0,2}|UNLIMITED|INFINITE)$/;
const slurmWord = (what: string) => z.string({ error: `expected ${what}` }).regex(/^[^\s#]+$/, { error: `expected ${what} (no spaces)` });

/** `#SBATCH` settings of `--executor slurm`; every one may also come from a flag. */
export const slurmSchema = z.strictObject({
  partition: slurmWord('a partition name').optional(),
  /** The time limit of each task (--time), e.g. "1-00:00:00"; a task near it checkpoints and is requeued. */
  time: z.string().regex(SLURM_TIME, { error: 'expected a Slurm time such as 90, 4:00:00 or 1-12:00:00' }).optional(),
  /** GPUs per task (written as --gres=gpu:N; `gres` replaces it when a type is needed, e.g. gpu:a100:1). */
  gpus: z.number().int().min(0).optional(),
  gres: slurmWord('a gres such as gpu:a100:1').optional(),
  cpusPerTask: positiveInt('a number of CPUs').optional(),
  /** Memory per task (--mem), e.g. 16G. */
  mem: z.string().regex(/^\d+[KMGT]?$/, { error: 'expected a memory size such as 16G or 4000M' }).optional(),
  account: slurmWord('an account name').optional(),
  qos: slurmWord('a QOS name').optional(),
  /** At most this many tasks of the array run at once (--array=0-K%M). */
  maxRunning: positiveInt('a number of tasks').optional(),
  /**
   * Seconds before the time limit at which Slurm signals the task (--signal=B:USR1@S): the run
   * writes its checkpoint and the task requeues itself, so a long run continues in the next slot.
   * 0 turns this off.
   */
  signalSeconds: z.number().int().min(0).default(300),
  /** More #SBATCH lines, verbatim, e.g. ["--constraint=a100", "--exclusive"]. */
  extra: z.array(z.string().regex(/^--?[A-Za-z]/, { error: 'expected an sbatch option such as --constraint=a100' })).default([]),
  /** Shell lines each task runs before gridmix, e.g. ["module load cuda/12.2"]. */
  setup: z.array(z.string()).default([]),
});

/** How many runs are farmed out: `local` child processes or a `slurm` job array. */
export const executorSchema = z.strictObject({
  name: z.enum(EXECUTOR_NAMES, { error: `expected one of: ${EXECUTOR_NAMES.join(', ')}` }).default('local'),
  /** local: runs at a time. */
  jobs: positiveInt('a number of jobs').optional(),
  /** local: GPU ids, one per job slot (CUDA_VISIBLE_DEVICES, for the tensorflow backend). */
  gpus: z.array(z.number().int().min(0)).min(1).optional(),
  slurm: slurmSchema.prefault({}),
});

export const experimentSchema = z.strictObject({
  /** Experiment name: the folder under results/. */
  name: z
    .string()
    .regex(NAME_PATTERN, { error: NAME_ERROR })
    .max(NAME_MAX_LENGTH, { error: NAME_ERROR })
    .refine((name) => name !== '.' && name !== '..', { error: NAME_ERROR }),
  seed: z.number().int().min(0).default(0),
  /** Run the same config once per seed (the report shows mean ± std). */
  seeds: z
    .array(z.number().int().min(0))
    .min(1)
    .refine((seeds) => new Set(seeds).size === seeds.length, { error: 'expected each seed once (a seed repeated would train the same run twice)' })
    .optional(),
  backend: z.enum(BACKEND_CHOICES, { error: `expected one of: ${BACKEND_CHOICES.join(', ')}` }).default('auto'),
  /**
   * Use gridmix's native oneDNN kernels under the wasm backend where they were built; false forces
   * plain wasm (to compare against it, or to rule the native kernels out). No effect on the other
   * backends. `--no-native` on the command line sets it to false.
   */
  native: z.boolean({ error: 'expected true or false' }).default(true),
  dataset: datasetSchema,
  backbone: backboneSchema,
  method: methodSchema,
  training: trainingSchema,
  /** The experiment's folder (default results/<name>); each run goes to <output>/<run>/. */
  output: z.string().min(1).optional(),
  sweep: sweepSchema.optional(),
  /**
   * Where many runs go (`gridmix train` with several configs or seeds, `gridmix ablate`): put a
   * cluster's settings in one YAML (configs/cluster/) and extend it, or pass it with --executor FILE.
   * Not part of a run's identity: the config saved with each run leaves it out.
   */
  executor: executorSchema.optional(),
});

export type ExperimentConfig = z.output<typeof experimentSchema>;
export type MethodConfig = ExperimentConfig['method'];
export type DatasetConfig = ExperimentConfig['dataset'];
export type TrainingConfig = ExperimentConfig['training'];
export type ExecutorConfig = z.output<typeof executorSchema>;
export type SlurmConfig = ExecutorConfig['slurm'];

/** Where the experiment's runs go: `output`, else results/<name>. */
export function experimentDir(config: ExperimentConfig): string {
  return config.output ?? `results/${config.name}`;
}
