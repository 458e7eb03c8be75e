// How much a measurement may cost. The big backbones take minutes per step on a CPU backend, so
// before timing one the bench runs a single small probe step, estimates the cost of the real
// measurement from it, and either skips it (section 2) or shrinks its batch (Table 3). Pure arithmetic.

export interface StepPlan {
  /** Steps the measurement runs: warm-up plus timed. */
  steps: number;
  /** Seconds the measurement may take. */
  budgetSeconds: number;
}

/**
 * Seconds per image from one probe step. The probe's fixed per-step overhead is spread over few
 * images, so this overestimates the per-image cost of a large batch: the plan errs on the safe side.
 */
export function secondsPerImage(probeSeconds: number, probeBatch: number): number {
  return probeSeconds / probeBatch;
}

export function estimatedSeconds(perImage: number, batchSize: number, plan: StepPlan): number {
  return perImage * batchSize * plan.steps;
}

/**
 * The largest batch of `candidates` (tried from largest to smallest) whose estimated cost fits the
 * budget, or undefined when even the smallest does not.
 */
export function largestBatchWithinBudget(perImage: number, candidates: readonly number[], plan: StepPlan): number | undefined {
  const sorted = [...candidates].sort((a, b) => b - a);
  return sorted.find((batch) => estimatedSeconds(perImage, batch, plan) <= plan.budgetSeconds);
}

/** Halvings of `batchSize` down to `smallest`: 128 -> [128, 64, 32, 16, 8]. */
export function batchCandidates(batchSize: number, smallest: number): number[] {
  const out: number[] = [];
  for (let b = batchSize; b >= smallest; b = Math.floor(b / 2)) out.push(b);
  return out.length > 0 ? out : [batchSize];
}
