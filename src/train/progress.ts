// What a user sees during training: a live bar on a terminal (epoch, iteration, loss, images/s,
// ETA), one plain line per epoch otherwise (CI, log files).
import { SingleBar } from 'cli-progress';

export interface StepReport {
  epoch: number; // 1-based
  epochs: number;
  iteration: number; // 1-based within the epoch
  iterations: number;
  loss: number;
  imagesPerSecond: number;
}

export interface EpochReport {
  epoch: number;
  epochs: number;
  lr: number;
  trainLoss: number;
  trainAcc: number;
  testTop1: number;
  testTop5: number;
  seconds: number;
}

export interface Progress {
  step(report: StepReport): void;
  epochDone(report: EpochReport): void;
  stop(): void;
}

export function formatEpoch(r: EpochReport): string {
  return (
    `epoch ${r.epoch}/${r.epochs}  lr ${r.lr.toPrecision(3)}  train_loss ${r.trainLoss.toFixed(4)}  ` +
    `train_acc(dominant label) ${r.trainAcc.toFixed(2)}  test_top1 ${r.testTop1.toFixed(2)}  ` +
    `test_top5 ${r.testTop5.toFixed(2)}  ${r.seconds.toFixed(1)}s`
  );
}

class TerminalProgress implements Progress {
  private bar: SingleBar | undefined;
  private barEpoch = -1;

  step(r: StepReport): void {
    if (!this.bar || this.barEpoch !== r.epoch) {
      this.bar?.stop();
      this.bar = new SingleBar({
        format: 'epoch {epochLabel} [{bar}] {value}/{total} loss {loss} {ips} img/s ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 20,
      });
      this.bar.start(r.iterations, 0, { epochLabel: `${r.epoch}/${r.epochs}`, loss: '-', ips: '-' });
      this.barEpoch = r.epoch;
    }
    this.bar.update(r.iteration, { loss: r.loss.toFixed(4), ips: r.imagesPerSecond.toFixed(0) });
  }

  epochDone(r: EpochReport): void {
    this.bar?.stop();
    this.bar = undefined;
    console.log(formatEpoch(r));
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

class PlainProgress implements Progress {
  step(): void {}
  epochDone(r: EpochReport): void {
    console.log(formatEpoch(r));
  }
  stop(): void {}
}

export function createProgress(): Progress {
  return process.stdout.isTTY && !process.env.CI ? new TerminalProgress() : new PlainProgress();
}
