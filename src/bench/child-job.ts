// Runs one backbone job (backbone-jobs.ts) in a fresh node process on the same backend, so every big
// backbone starts from an empty wasm heap. The child prints its records as JSON lines on stdout and
// its progress on stderr; both are passed on as they arrive. A child that dies (out of memory, say)
// becomes a skipped record that says so instead of ending the bench.
import { spawn } from 'child_process';
import * as path from 'path';
import * as readline from 'readline';
import { WasmHeapExhausted, type BackboneJob, type JobContext } from './backbone-jobs';
import type { BenchRecord } from './records';
import type { BenchSettings } from './settings';

export const JOB_WORKER = path.join(__dirname, 'job-worker.js');
/** The worker's exit code when the wasm heap ran out (its last stderr line names the batch). */
export const HEAP_EXHAUSTED_EXIT_CODE = 3;

/** What the parent hands the worker (as one JSON argument). */
export interface WorkerInput {
  job: BackboneJob;
  /** Backend id to select in the child ('wasm+onednn', 'wasm', 'cpu', 'tensorflow'). */
  backend: string;
  settings: BenchSettings;
}

export interface ChildOptions {
  /** Return an exhausted heap to the caller (to retry smaller) instead of emitting a skipped record. */
  retryOnHeapExhausted?: boolean;
}

/** What became of a job: done (measured, or a skipped record emitted), or out of heap at a batch. */
export type ChildOutcome = { heapExhaustedAt?: undefined } | { heapExhaustedAt: number };

/** Resolves with heapExhaustedAt when the child ran out of wasm heap and the caller asked to retry. */
export function runJobInChild(
  job: BackboneJob, backend: string, { settings, emit, progress }: JobContext, options: ChildOptions = {},
): Promise<ChildOutcome> {
  const input: WorkerInput = { job, backend, settings };
  const child = spawn(process.execPath, [JOB_WORKER, JSON.stringify(input)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lastErrors: string[] = [];
  readline.createInterface({ input: child.stdout }).on('line', (line) => emit(JSON.parse(line) as BenchRecord));
  readline.createInterface({ input: child.stderr }).on('line', (line) => {
    lastErrors.push(line);
    if (lastErrors.length > 3) lastErrors.shift();
    progress(line);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const exhaustedAt = WasmHeapExhausted.batchIn(lastErrors.at(-1) ?? '');
      if (code === HEAP_EXHAUSTED_EXIT_CODE && options.retryOnHeapExhausted && exhaustedAt !== undefined) {
        resolve({ heapExhaustedAt: exhaustedAt });
        return;
      }
      if (code !== 0) {
        emit({
          kind: 'skipped',
          backend,
          section: job.kind,
          backbone: job.backbone,
          reason: `its measuring process failed (${signal ?? `exit code ${code}`}): ${lastErrors.at(-1) ?? 'no message'}`,
        });
      }
      resolve({});
    });
  });
}
