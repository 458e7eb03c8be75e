// Ctrl-C, SIGTERM and SIGHUP (the terminal closed) during a run: remembered, not obeyed at once, so the loop can finish the step
// it is in and write a checkpoint before it exits. Installed before any set-up work, so a signal
// that arrives while data loads is handled the same way.
/** A closed terminal (SIGHUP) would otherwise end the run at once, with no checkpoint (exit 129). */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export class StopSignal {
  private requested = false;
  private readonly onSignal = () => {
    this.requested = true;
  };

  constructor() {
    for (const signal of STOP_SIGNALS) process.on(signal, this.onSignal);
  }

  get stopRequested(): boolean {
    return this.requested;
  }

  dispose(): void {
    for (const signal of STOP_SIGNALS) process.off(signal, this.onSignal);
  }
}
