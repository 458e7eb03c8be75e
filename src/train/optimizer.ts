// SGD with momentum, optional Nesterov, and L2 weight decay, with PyTorch's update rule
// (torch.optim.SGD): g' = g + wd * w; buf = momentum * buf + g'; step = nesterov ? g' + momentum * buf : buf;
// w -= lr * step. Batch-norm and bias parameters are not decayed unless asked for.
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/schema';
import type { NamedVariable } from '../models/model';

export class Sgd {
  private readonly momentumBuffers: Map<string, tf.Variable>;

  constructor(
    private readonly params: readonly NamedVariable[],
    private readonly options: ExperimentConfig['training']['optimizer'],
  ) {
    this.momentumBuffers = new Map(
      params.map((p) => [p.name, tf.variable(tf.zerosLike(p.variable), false, `momentum/${p.name}`)]),
    );
  }

  private decayOf(param: NamedVariable): number {
    return param.kind === 'weight' || this.options.decayNormAndBias ? this.options.weightDecay : 0;
  }

  /** Applies one update; `grads` maps variable names (tf.Variable.name) to gradients. Disposes nothing of the caller's. */
  step(grads: tf.NamedTensorMap, lr: number): void {
    const { momentum, nesterov } = this.options;
    tf.tidy(() => {
      for (const param of this.params) {
        let g = grads[param.variable.name];
        if (!g) continue; // a parameter the loss did not reach (e.g. the local head when gamma = 0)
        const decay = this.decayOf(param);
        if (decay > 0) g = tf.add(g, tf.mul(param.variable, decay));
        let update = g;
        if (momentum > 0) {
          const buf = this.momentumBuffers.get(param.name)!;
          const next = tf.add(tf.mul(buf, momentum), g);
          buf.assign(next);
          update = nesterov ? tf.add(g, tf.mul(next, momentum)) : next;
        }
        param.variable.assign(tf.sub(param.variable, tf.mul(update, lr)));
      }
    });
  }

  /** Momentum buffers by parameter name (for checkpoints). */
  state(): NamedVariable[] {
    return [...this.momentumBuffers].map(([name, variable]) => ({ name: `momentum/${name}`, variable, kind: 'weight' as const }));
  }

  dispose(): void {
    for (const buf of this.momentumBuffers.values()) buf.dispose();
  }
}
