// Ctrl-C and SIGTERM during a run: remembered, not obeyed at once, so the loop can finish the step
// it is in and write a checkpoint before it exits. Installed before any set-up work, so a signal
// that arrives while data loads is handled the same way.
export class StopSignal {
  private requested = false;
  private readonly onSignal = () => {
    this.requested = true;
  };

  constructor() {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  get stopRequested(): boolean {
    return this.requested;
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}
