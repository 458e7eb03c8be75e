// One training run, in the order it happens (nanoGPT-style): set up -> (resume) -> for each epoch:
// lr -> steps -> evaluate -> metrics, checkpoint, summary -> done. The run folder is locked while
// it trains; every file in it is written atomically, so an interrupted run resumes exactly.
import * as fs from 'fs';
import { InterruptedError, UserError } from '../errors';
import { configToYaml } from '../config/load';
import type { ExperimentConfig } from '../config/schema';
import type { Dataset } from '../data/dataset';
import { DataLoader, type LoaderState } from '../data/loader';
import { describeBackend, selectBackend } from '../engine/backend';
import { Rng, type RngState } from '../engine/rng';
import { nativeKernelsVersion } from '../engine/native';
import { ensureDir, writeFileAtomic } from '../io/atomic-file';
import { acquireRunLock } from '../io/run-lock';
import { createMixMethod } from '../mix/registry';
import type { Model } from '../models/model';
import { readCheckpoint, restoreVariables, saveCheckpoint } from './checkpoint';
import { evaluate } from '../eval/classification';
import { gitCommit } from './git-commit';
import { Sgd } from './optimizer';
import { createProgress, type Progress } from './progress';
import { median, readSummary, runPaths, writeMetrics, writeSummary, type MetricsRow, type Summary } from './run-files';
import { inspectRun, isComplete } from './run-state';
import { formatConfigDifferences } from '../config/config-diff';
import { saveMixedSamples } from './mixed-samples';
import { StopSignal } from './stop-signal';
import { learningRate } from './schedule';
import { trainStep, type StepContext, type StepResult } from './train-step';
import { buildModel, loadTrainingData, shapeOf } from './setup';
import { dataParallelStep } from './data-parallel/data-parallel-step';
import { replicaSpecOf } from './data-parallel/replica';
import { ReplicaPool } from './data-parallel/replica-pool';
import { checkWorkersBackend } from './data-parallel/workers-backend';
import { machineDescription } from './machine';

export interface RunOptions {
  config: ExperimentConfig;
  runDir: string;
  resume: boolean;
  force: boolean;
  /** Where progress goes (tests pass a silent one). */
  progress?: Progress;
  /** The sweep cell's name when `gridmix ablate` runs this. */
  ablationCell?: string;
  /** Where log lines go (default: stdout). */
  log?: (line: string) => void;
}

/** Sums of the epoch in progress: carried in mid-epoch checkpoints so a resume is exact. */
interface EpochTally {
  lossSum: number;
  correct: number;
  count: number;
  seconds: number;
}

export interface CheckpointMeta {
  format: 1;
  backbone: string;
  numClasses: number;
  /** Epochs fully done. */
  epochsDone: number;
  loader: LoaderState;
  mixRng: RngState;
  /** Absent in checkpoints written before the dropout stream was saved: such a run resumes with a fresh one. */
  dropoutRng?: RngState;
  tally: EpochTally;
  rows: MetricsRow[];
  trainSeconds: number;
  trainImages: number;
  /** The training set's per-channel statistics: evaluation sets (ImageNet-A) are normalised with these. */
  normalization: { mean: number[]; std: number[] };
}

export class TrainingDivergedError extends UserError {}

function emptyTally(): EpochTally {
  return { lossSum: 0, correct: 0, count: 0, seconds: 0 };
}

/** What a run does: start fresh, continue from its checkpoint, or nothing (finished already). */
type RunStart = 'fresh' | 'resume' | 'finished';

/**
 * Refuses to clobber a finished or unfinished run unless told to; --force starts over. A resume
 * must plan the config the run was trained with (a grown training.epochs aside: that trains a
 * finished run further), or the mixed run would be recorded as if it were clean.
 */
function prepareRunDir(runDir: string, config: ExperimentConfig, resume: boolean, force: boolean): RunStart {
  const paths = runPaths(runDir);
  const hasCheckpoint = fs.existsSync(paths.checkpoint);
  if (force) {
    for (const file of [paths.metrics, paths.summary, paths.config, paths.samples]) fs.rmSync(file, { force: true });
    fs.rmSync(paths.checkpointDir, { recursive: true, force: true });
    return 'fresh';
  }
  if (resume) {
    const state = inspectRun(runDir, config);
    if (!state.started) throw new UserError(`--resume: no checkpoint in ${runDir} (nothing to resume; run without --resume)`);
    if (state.refused.length > 0) {
      throw new UserError(
        `--resume: ${runDir} was trained with another config: ${formatConfigDifferences(state.refused)}; ` +
          'a resume may only grow training.epochs (put those values back, or --force to start over, or --out to train elsewhere)',
      );
    }
    if (isComplete(state)) return 'finished';
    if (!hasCheckpoint) throw new UserError(`--resume: ${runDir} has no checkpoint to train further from; --force to start over`);
    return 'resume';
  }
  if (readSummary(runDir)?.finished) throw new UserError(`${runDir} holds a finished run; use --force to overwrite it, or --out to train elsewhere`);
  if (hasCheckpoint) throw new UserError(`${runDir} holds an unfinished run; use --resume to continue it or --force to start over`);
  return 'fresh';
}

export async function runTraining(options: RunOptions): Promise<Summary> {
  const { config, runDir } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  const paths = runPaths(runDir);
  ensureDir(runDir);
  const release = acquireRunLock(paths.lock, `run folder ${runDir}`);
  const stop = new StopSignal();
  try {
    const start = prepareRunDir(runDir, config, options.resume, options.force);
    if (start === 'finished') {
      const summary = readSummary(runDir)!;
      log(`${runDir}: already finished (top1 ${summary.top1}); nothing to resume`);
      return summary;
    }
    return await train({ ...options, resume: start === 'resume' }, log, stop);
  } finally {
    stop.dispose();
    release();
  }
}

async function train(options: RunOptions, log: (line: string) => void, stop: StopSignal): Promise<Summary> {
  const { config, runDir } = options;
  const paths = runPaths(runDir);
  const backend = await selectBackend(config.backend, { native: config.native });
  log(describeBackend(backend));
  checkWorkersBackend(config.training.workers, backend.name);

  const dataset: Dataset = await loadTrainingData(config);
  const method = createMixMethod({ method: config.method.name, ...config.method });
  const model: Model = buildModel(config, shapeOf(dataset), method.needsLocalHead);
  const optimizer = new Sgd(model.parameters(), config.training.optimizer);
  const loaderOptions = { batchSize: config.training.batchSize, seed: config.seed, augment: config.dataset.augment, dropLast: false };
  const parameters = model.parameters().reduce((n, p) => n + p.variable.size, 0);
  const stateVariables = [...model.parameters(), ...model.buffers(), ...optimizer.state()];

  let loader = new DataLoader(dataset, 'train', loaderOptions);
  const runRng = new Rng(config.seed);
  let mixRng = runRng.fork();
  let dropoutRng = runRng.fork();
  let rows: MetricsRow[] = [];
  let tally = emptyTally();
  let epochsDone = 0;
  let trainSeconds = 0;
  let trainImages = 0;

  if (options.resume && fs.existsSync(paths.checkpoint)) {
    const checkpoint = readCheckpoint<CheckpointMeta>(paths.checkpoint);
    const meta = checkpoint.meta;
    if (meta.backbone !== config.backbone.name || meta.numClasses !== dataset.classes.length) {
      throw new UserError(
        `checkpoint in ${runDir} is of ${meta.backbone} with ${meta.numClasses} classes, the config asks for ${config.backbone.name} with ${dataset.classes.length}`,
      );
    }
    restoreVariables(checkpoint, stateVariables, paths.checkpoint);
    loader = DataLoader.fromState(dataset, 'train', loaderOptions, meta.loader);
    mixRng = Rng.fromState(meta.mixRng);
    if (meta.dropoutRng) dropoutRng = Rng.fromState(meta.dropoutRng);
    ({ rows, tally, epochsDone, trainSeconds, trainImages } = meta);
    log(`resuming ${runDir} at epoch ${epochsDone + 1}, image ${meta.loader.position} of the epoch`);
  }
  writeFileAtomic(paths.config, configToYaml(config));
  if (!fs.existsSync(paths.samples)) await saveMixedSamples(paths.samples, config, dataset, method);
  log(`${config.name}: ${config.method.name} on ${dataset.name} with ${config.backbone.name} (${parameters.toLocaleString('en-US')} parameters), ${config.training.epochs} epochs -> ${runDir}`);

  const ctx: StepContext = {
    model,
    method,
    optimizer,
    numClasses: dataset.classes.length,
    localReduction: config.method.localReduction === 'mean' ? 'mean-over-cells' : 'sum-over-cells',
    rng: mixRng,
    dropoutRng,
  };
  const progress = options.progress ?? createProgress();
  const epochs = config.training.epochs;
  const iterations = loader.batchesPerEpoch;

  const summaryOf = (finished: boolean): Summary => {
    const top1s = rows.map((r) => r.test_top1);
    const last = rows.at(-1);
    return {
      experiment: config.name,
      ablation_cell: options.ablationCell ?? null,
      dataset: dataset.name,
      image_size: dataset.height,
      backbone: config.backbone.name,
      method: config.method.name,
      grid: config.method.name === 'gridmix' ? config.method.grid : null,
      p: config.method.name === 'gridmix' ? config.method.p : null,
      gamma: config.method.name === 'gridmix' ? config.method.gamma : null,
      epochs,
      seed: config.seed,
      backend: backend.id,
      native_kernels: backend.nativeKernels,
      machine: machineDescription(),
      onednn: oneDnnOf(backend.nativeKernels),
      top1: last ? round2(last.test_top1) : null,
      top5: last ? round2(last.test_top5) : null,
      best_top1: top1s.length ? round2(Math.max(...top1s)) : null,
      last_top1: last ? round2(last.test_top1) : null,
      median_last10_top1: top1s.length ? round2(median(top1s.slice(-10))) : null,
      train_acc_measure: 'dominant label of the mixed sample',
      train_seconds: round2(trainSeconds),
      images_per_second: trainSeconds > 0 ? round2(trainImages / trainSeconds) : 0,
      parameters,
      git_commit: gitCommit(),
      finished,
    };
  };
  // The loader runs one batch ahead (see the loop): a checkpoint holds its state before that batch.
  const checkpointNow = async (loaderState: LoaderState = loader.getState()) => {
    await replicas?.copyStateTo(stateVariables);
    await saveCheckpoint<CheckpointMeta>(
      paths.checkpoint,
      {
        format: 1, backbone: config.backbone.name, numClasses: dataset.classes.length, epochsDone,
        loader: loaderState, mixRng: mixRng.getState(), dropoutRng: dropoutRng.getState(), tally, rows, trainSeconds, trainImages,
        normalization: { mean: dataset.mean, std: dataset.std },
      },
      stateVariables,
    );
  };

  let lastCheckpoint = Date.now();
  if (stop.stopRequested) throw new InterruptedError(`interrupted during set-up of ${runDir}, before any step (an earlier checkpoint, if any, is unchanged)`);
  // training.workers > 1: replicas in worker threads train, starting from `model`'s state; `model`
  // gets their state back before each evaluation and checkpoint.
  const workers = config.training.workers;
  // The workers use the native kernels exactly when this thread got them, so summary.json's backend
  // is what every replica trained on.
  const replicaSpec = replicaSpecOf(config, shapeOf(dataset), method.needsLocalHead, method.localLossWeight);
  const replicas = workers > 1 ? await ReplicaPool.start(replicaSpec, workers, stateVariables, { native: backend.id === 'wasm+onednn' }) : undefined;
  if (replicas) log(`data-parallel: ${workers} worker threads, one ${replicas.backend} replica each`);
  try {
    for (let epoch = epochsDone; epoch < epochs; epoch++) {
      let step = Math.ceil(loader.getState().position / config.training.batchSize); // > 0 when resumed mid-epoch
      let lr = learningRate(config.training, epoch, step, iterations);
      for (let batch = loader.nextBatch(); batch; ) {
        lr = learningRate(config.training, epoch, step, iterations);
        const t0 = Date.now();
        const pending = replicas ? dataParallelStep(replicas, ctx, batch, lr) : trainStep(ctx, batch, lr);
        // The next batch is prepared while a GPU backend computes this step (its kernels are queued).
        const loaderState = loader.getState();
        const next = loader.nextBatch();
        let result: StepResult;
        try {
          result = await pending;
        } catch (err) {
          next?.x.dispose();
          throw err;
        } finally {
          batch.x.dispose();
        }
        batch = next;
        const seconds = (Date.now() - t0) / 1000;
        step++;
        if (!Number.isFinite(result.loss)) {
          next?.x.dispose();
          throw new TrainingDivergedError(
            `loss became ${result.loss} at epoch ${epoch + 1}, step ${step} (lr ${lr.toPrecision(3)}); stopped. ` +
              `The last good checkpoint is kept in ${paths.checkpointDir}; lower training.optimizer.lr and run with --force`,
          );
        }
        tally.lossSum += result.loss * result.count;
        tally.correct += result.correct;
        tally.count += result.count;
        tally.seconds += seconds;
        trainSeconds += seconds;
        trainImages += result.count;
        progress.step({ epoch: epoch + 1, epochs, iteration: step, iterations, loss: result.loss, imagesPerSecond: result.count / Math.max(seconds, 1e-6) });
        const minutes = config.training.checkpointMinutes;
        if (minutes > 0 && Date.now() - lastCheckpoint > minutes * 60_000 && loaderState.position > 0) {
          await checkpointNow(loaderState);
          lastCheckpoint = Date.now();
        }
        await new Promise((resolve) => setImmediate(resolve)); // lets Ctrl-C be heard between steps
        if (stop.stopRequested) {
          next?.x.dispose();
          await checkpointNow(loaderState);
          progress.stop();
          throw new InterruptedError(
            `interrupted at epoch ${epoch + 1}, step ${step}; checkpoint written to ${paths.checkpoint}; continue with --resume`,
          );
        }
      }
      const evalStart = Date.now();
      await replicas?.copyStateTo(stateVariables);
      const accuracy = await evaluate(model, dataset, { batchSize: config.training.evalBatchSize });
      const row: MetricsRow = {
        epoch: epoch + 1, lr, train_loss: tally.lossSum / tally.count, train_acc: (100 * tally.correct) / tally.count,
        test_top1: accuracy.top1, test_top5: accuracy.top5,
        seconds: tally.seconds + (Date.now() - evalStart) / 1000, // training steps (also before a resume) + evaluation
      };
      rows.push(row);
      tally = emptyTally();
      epochsDone = epoch + 1;
      await checkpointNow(); // first: it holds the rows, so metrics.csv and summary.json can always be rebuilt
      writeMetrics(paths.metrics, rows);
      writeSummary(paths.summary, summaryOf(epochsDone === epochs));
      progress.epochDone({ epoch: row.epoch, epochs, lr, trainLoss: row.train_loss, trainAcc: row.train_acc, testTop1: row.test_top1, testTop5: row.test_top5, seconds: row.seconds });
    }
  } finally {
    progress.stop();
    model.dispose();
    optimizer.dispose();
    await replicas?.dispose();
  }
  const summary = summaryOf(true);
  writeSummary(paths.summary, summary);
  log(`done: test top-1 ${summary.top1}%, top-5 ${summary.top5}% (best top-1 ${summary.best_top1}%), ${summary.images_per_second} images/s -> ${runDir}`);
  return summary;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** summary.json's oneDNN versions: those of the native kernels when they ran, else null. */
function oneDnnOf(nativeKernels: string[]): Summary['onednn'] {
  if (nativeKernels.length === 0) return null;
  const version = nativeKernelsVersion();
  return version.ok ? { built_against: version.builtAgainst, loaded: version.loaded } : null;
}
