// Learning rate at a point of training, per iteration (so warm-up and cosine are smooth).
import type { TrainingConfig } from '../config/schema';

export function learningRate(training: TrainingConfig, epoch: number, iteration: number, itersPerEpoch: number): number {
  const { lr } = training.optimizer;
  const { type, milestones, factor, warmupEpochs } = training.schedule;
  const progress = epoch + iteration / itersPerEpoch; // epochs done, fractional
  if (warmupEpochs > 0 && progress < warmupEpochs) return (lr * (progress + 1 / itersPerEpoch)) / warmupEpochs;
  switch (type) {
    case 'constant':
      return lr;
    case 'step':
      return lr * Math.pow(factor, milestones.filter((m) => epoch >= m).length);
    case 'cosine': {
      const span = training.epochs - warmupEpochs;
      const t = span > 0 ? (progress - warmupEpochs) / span : 1;
      return 0.5 * lr * (1 + Math.cos(Math.PI * Math.min(1, t)));
    }
  }
}
