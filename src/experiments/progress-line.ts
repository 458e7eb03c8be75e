// The executors' one-line progress: runs done / running / failed of the total, and an ETA from the
// runs finished so far (their mean time, times the runs left, over the job slots).
export interface Tally {
  total: number;
  done: number;
  failed: number;
  running: number;
  /** Seconds each finished run took. */
  durations: number[];
  jobs: number;
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** ETA in seconds, or undefined before any run finished. */
export function etaSeconds(t: Tally): number | undefined {
  if (t.durations.length === 0) return undefined;
  const mean = t.durations.reduce((a, b) => a + b, 0) / t.durations.length;
  const left = t.total - t.done - t.failed;
  return (mean * left) / Math.max(1, Math.min(t.jobs, left || 1));
}

export function progressLine(t: Tally): string {
  const eta = etaSeconds(t);
  return `[${t.done}/${t.total} done, ${t.running} running, ${t.failed} failed${eta === undefined ? '' : `, ETA ${formatDuration(eta)}`}]`;
}
