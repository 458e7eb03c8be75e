// Two kinds of failure. A UserError is the user's to fix (bad config, unknown name, missing data):
// the CLI prints its one-line message and exits 1, no stack trace. Anything else is a bug in
// gridmix: the CLI prints the stack and exits 70.

export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

export const EXIT_USER_ERROR = 1;
export const EXIT_INTERRUPTED = 130;
export const EXIT_BUG = 70;

/** Ctrl-C / SIGTERM during training, after the checkpoint was written: exit 130 like a shell. */
export class InterruptedError extends UserError {}
