// One data-parallel replica: a model and its SGD, built from the same seed on every worker. It does
// the model half of trainStep (src/train/train-step.ts) on its shard — forward, loss, gradients —
// and, once the pool has averaged every replica's gradients, the same SGD update as the others, so
// all replicas hold the same weights after every step.
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../../config/schema';
import { Rng } from '../../engine/rng';
import type { DatasetShape } from '../../data/dataset';
import type { Model, NamedVariable } from '../../models/model';
import { createModel } from '../../models/registry';
import { gridmixLoss, type LocalReduction } from '../losses';
import { Sgd } from '../optimizer';
import { shardTensors, type BatchShard } from './batch-shards';
import { assignFlat, flattenVariables, totalSize } from './flat-vectors';

/** Everything a worker needs to build its replica (plain data: it crosses threads). */
export interface ReplicaSpec {
  backbone: string;
  numClasses: number;
  inputSize: number;
  inChannels: number;
  localHead: boolean;
  seed: number;
  /** Tests and smoke runs: a narrower network (see BuilderArgs.widthScale). */
  widthScale?: number;
  optimizer: ExperimentConfig['training']['optimizer'];
  /** The mixing method's gamma (MixMethod.localLossWeight) and local-loss reduction. */
  gamma: number;
  localReduction: LocalReduction;
}

export function replicaSpecOf(config: ExperimentConfig, shape: DatasetShape, localHead: boolean, gamma: number): ReplicaSpec {
  return {
    backbone: config.backbone.name,
    numClasses: shape.numClasses,
    inputSize: shape.height,
    inChannels: shape.channels,
    localHead,
    seed: config.seed, // as src/train/setup.ts's buildModel: the same initial weights as the main thread's model
    optimizer: config.training.optimizer,
    gamma,
    localReduction: config.method.localReduction === 'mean' ? 'mean-over-cells' : 'sum-over-cells',
  };
}

/** One replica's gradients on its shard, with its batch-norm running statistics after the forward pass. */
export interface ShardGradients {
  /** Parameter gradients (parameters() order) then buffers (buffers() order), flat. */
  values: Float32Array;
  /** Per parameter: did the loss reach it (Sgd skips the ones it did not, as in the single-thread step). */
  reached: boolean[];
  /** Mean loss over the shard. */
  loss: number;
  correct: number;
  count: number;
}

export class Replica {
  readonly model: Model;
  readonly optimizer: Sgd;

  constructor(private readonly spec: ReplicaSpec) {
    this.model = createModel(spec.backbone, {
      numClasses: spec.numClasses,
      inputSize: spec.inputSize,
      inChannels: spec.inChannels,
      localHead: spec.localHead,
      seed: spec.seed,
      ...(spec.widthScale !== undefined ? { widthScale: spec.widthScale } : {}),
    });
    this.optimizer = new Sgd(this.model.parameters(), spec.optimizer);
  }

  /** Parameters, buffers, momentum: the order of run.ts's checkpoint variables. */
  stateVariables(): NamedVariable[] {
    return [...this.model.parameters(), ...this.model.buffers(), ...this.optimizer.state()];
  }

  /** Length of the vector gradients() returns. */
  gradientLength(): number {
    return totalSize(this.model.parameters()) + totalSize(this.model.buffers());
  }

  async gradients(shard: BatchShard): Promise<ShardGradients> {
    const params = this.model.parameters();
    if (shard.count === 0) {
      // A last batch smaller than the worker count: this replica sits the step out (its weight is 0).
      return { values: new Float32Array(this.gradientLength()), reached: params.map(() => false), loss: 0, correct: 0, count: 0 };
    }
    const rng = shard.dropoutSeed !== undefined ? new Rng(shard.dropoutSeed) : undefined;
    const { value, correct, grads } = tf.tidy(() => {
      const { x, yGlobal, yPatch } = shardTensors(shard);
      let predictions: tf.Tensor1D | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const out = this.model.forward(x, { training: true, grid: this.spec.localHead ? shard.grid : undefined, rng });
        predictions = tf.keep(tf.argMax(out.logits, 1) as tf.Tensor1D);
        return gridmixLoss({
          logits: out.logits,
          yGlobal,
          cellLogits: out.cellLogits,
          yPatch,
          gamma: this.spec.gamma,
          reduction: this.spec.localReduction,
        }).total;
      }, params.map((p) => p.variable));
      const correct = tf.sum(tf.cast(tf.equal(predictions!, tf.tensor1d(shard.dominantLabel, 'int32')), 'int32'));
      predictions!.dispose();
      return { value, correct, grads };
    });
    try {
      const values = new Float32Array(this.gradientLength());
      const reached = params.map(({ variable }) => grads[variable.name] !== undefined);
      const read = await Promise.all(params.map(({ variable }) => grads[variable.name]?.data() as Promise<Float32Array> | undefined));
      let offset = 0;
      params.forEach(({ variable }, i) => {
        if (read[i]) values.set(read[i], offset);
        offset += variable.size;
      });
      values.set(await flattenVariables(this.model.buffers()), offset);
      const [loss, count] = await Promise.all([value.data(), correct.data()]);
      return { values, reached, loss: loss[0], correct: count[0], count: shard.count };
    } finally {
      tf.dispose([value, correct, grads]);
    }
  }

  /** The SGD step with the averaged gradients, then the averaged batch-norm statistics (gradients() layout). */
  apply(averaged: Float32Array, reached: readonly boolean[], lr: number): void {
    const params = this.model.parameters();
    tf.tidy(() => {
      const grads: tf.NamedTensorMap = {};
      let offset = 0;
      params.forEach(({ variable }, i) => {
        if (reached[i]) grads[variable.name] = tf.tensor(averaged.subarray(offset, offset + variable.size), variable.shape);
        offset += variable.size;
      });
      this.optimizer.step(grads, lr);
    });
    assignFlat(this.model.buffers(), averaged, totalSize(params));
  }

  getState(): Promise<Float32Array> {
    return flattenVariables(this.stateVariables());
  }

  setState(values: Float32Array): void {
    const expected = totalSize(this.stateVariables());
    if (values.length !== expected) throw new Error(`replica state has ${values.length} values, expected ${expected}`);
    assignFlat(this.stateVariables(), values);
  }

  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
  }
}
