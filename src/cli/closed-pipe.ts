// `gridmix train ... | head -1`: once the reader of stdout (or stderr) goes away, every write to it
// fails with EPIPE, which Node raises as an 'error' event nobody handles: an uncaught exception
// that would end a run hours in, unfinished. The output has no reader any more, so it is dropped;
// the run goes on and its files (metrics.csv, summary.json, the checkpoint) are written as always.
let installed = false;

export function ignoreClosedPipes(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
}
