// Timing helpers every bench section shares: warm up, then time each run on its own and keep the
// median, which one run slowed by another job on a shared machine does not move.

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface RunTimes {
  /** Median wall-clock seconds of one run. */
  wallSeconds: number;
  /** Median CPU seconds of this process during one run (what other jobs cannot inflate). */
  cpuSeconds: number;
  runs: number;
}

/**
 * Runs `run` warmup times untimed, then `iterations` times, each timed alone. `run` resolves once its
 * work is done (a GPU backend queues kernels: the step's awaited read is what waits for them).
 */
export async function timeRuns(run: () => Promise<void>, warmup: number, iterations: number): Promise<RunTimes> {
  if (!(iterations >= 1)) throw new Error(`timeRuns needs at least one timed iteration, got ${iterations}`);
  for (let k = 0; k < warmup; k++) await run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let k = 0; k < iterations; k++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    await run();
    wall.push((performance.now() - start) / 1000);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1e6);
  }
  return { wallSeconds: median(wall), cpuSeconds: median(cpu), runs: iterations };
}
