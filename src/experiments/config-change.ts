// Whether a run folder was trained with the config a plan now asks of it: the one place the plan
// compares configs (a changed run is reported, never skipped as finished nor resumed into a mixed
// result). Keys that do not change what a run computes are left out of the comparison: where the
// experiment's folder is (`output`), the seed list and sweep it was planned from, the executor.
// Extending training.epochs of a run is the one change accepted on purpose (--resume continues it).
import type { ExperimentConfig } from '../config/schema';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const NOT_COMPARED = ['output', 'seeds', 'sweep', 'executor'];

function comparable(config: unknown): Json {
  const copy = JSON.parse(JSON.stringify(config ?? {})) as Record<string, Json>;
  for (const key of NOT_COMPARED) delete copy[key];
  return copy;
}

function differences(saved: Json, planned: Json, at: string, out: string[]): void {
  const isObject = (v: Json): v is { [key: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(saved) && isObject(planned)) {
    for (const key of new Set([...Object.keys(saved), ...Object.keys(planned)])) {
      differences(saved[key] ?? null, planned[key] ?? null, at ? `${at}.${key}` : key, out);
    }
    return;
  }
  if (JSON.stringify(saved) !== JSON.stringify(planned)) out.push(`${at}: ${JSON.stringify(saved)} -> ${JSON.stringify(planned)}`);
}

/**
 * undefined when `saved` (the run's config.yaml, parsed) trains what `planned` asks for; otherwise
 * one line naming the keys that differ, saved value -> planned value.
 */
export function configChange(saved: unknown, planned: ExperimentConfig): string | undefined {
  const found: string[] = [];
  differences(comparable(saved), comparable(planned), '', found);
  const kept = found.filter((d) => !isEpochExtension(d, saved, planned));
  return kept.length ? kept.join(', ') : undefined;
}

function isEpochExtension(difference: string, saved: unknown, planned: ExperimentConfig): boolean {
  if (!difference.startsWith('training.epochs:')) return false;
  const before = (saved as { training?: { epochs?: unknown } } | undefined)?.training?.epochs;
  return typeof before === 'number' && planned.training.epochs > before;
}
