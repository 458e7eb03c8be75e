// The child side of child-job.ts: selects the parent's backend, runs one backbone job, prints each
// record as a JSON line on stdout and progress on stderr.
import { selectBackendById } from '../engine/backend';
import { runBackboneJob, WasmHeapExhausted } from './backbone-jobs';
import { HEAP_EXHAUSTED_EXIT_CODE, type WorkerInput } from './child-job';
import { toJsonLine } from './records';

async function main(): Promise<void> {
  const { job, backend, settings } = JSON.parse(process.argv[2]) as WorkerInput;
  await selectBackendById(backend);
  await runBackboneJob(job, {
    settings,
    emit: (record) => process.stdout.write(`${toJsonLine(record)}\n`),
    progress: (line) => process.stderr.write(`${line}\n`),
  });
}

main().catch((err: unknown) => {
  // One line: the parent turns the last stderr line into the skipped record's reason.
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  // The exit code says the heap ran out, and the batch is on the line above: the parent may retry smaller.
  process.exitCode = err instanceof WasmHeapExhausted ? HEAP_EXHAUSTED_EXIT_CODE : 1;
});
