// What changed between the resolved config saved with a run (its config.yaml) and the one planned
// now. `--resume` and `ablate` use it so that a run is never continued, or counted as finished,
// under a config it was not trained with: a mixed run would be recorded as if it were clean.
import { experimentSchema } from './schema';

export interface ConfigDifference {
  /** Dotted key path, e.g. "method.p", "training.optimizer.lr". */
  key: string;
  /** undefined where the key is absent on that side. */
  saved: unknown;
  planned: unknown;
}

/**
 * Keys that say where runs go and which runs are planned, not how one run trains: a results folder
 * moved elsewhere (`output`), one more seed in `seeds`, or an edited `sweep` leave a run's numbers
 * as they were; `executor` says where runs are trained, not how.
 */
export const KEYS_NOT_COMPARED: readonly string[] = ['output', 'seeds', 'sweep', 'executor'];

type Plain = Record<string, unknown>;

function isPlainObject(value: unknown): value is Plain {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * A config in the form it is saved in: the schema's defaults filled in (so a config.yaml written
 * before a key with a default existed compares equal to today's resolved config), undefined keys
 * dropped and numbers as JSON writes them. A config the schema no longer accepts is compared as it is.
 */
function normalise(config: unknown): unknown {
  const parsed = experimentSchema.safeParse(config);
  const value = parsed.success ? parsed.data : config;
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function collect(saved: unknown, planned: unknown, prefix: string, out: ConfigDifference[]): void {
  if (isPlainObject(saved) && isPlainObject(planned)) {
    const keys = [...new Set([...Object.keys(saved), ...Object.keys(planned)])].sort();
    for (const key of keys) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (!prefix && KEYS_NOT_COMPARED.includes(key)) continue;
      collect(saved[key], planned[key], path, out);
    }
    return;
  }
  // Arrays (milestones, gridChoices) and scalars are compared whole.
  if (!sameValue(saved, planned)) out.push({ key: prefix || '(config)', saved, planned });
}

/** Every key whose value differs between the saved and the planned resolved config, sorted by key. */
export function diffResolvedConfigs(saved: unknown, planned: unknown): ConfigDifference[] {
  const out: ConfigDifference[] = [];
  collect(normalise(saved), normalise(planned), '', out);
  return out;
}

/**
 * The differences `--resume` refuses: all but a grown `training.epochs` (the one change a resume
 * takes on purpose: train the run further).
 */
export function differencesResumeRefuses(differences: readonly ConfigDifference[]): ConfigDifference[] {
  return differences.filter(
    (d) => !(d.key === 'training.epochs' && typeof d.saved === 'number' && typeof d.planned === 'number' && d.planned > d.saved),
  );
}

function show(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** "method.p: 0.8 -> 0.5, dataset.trainLimit: 100 -> 200" (saved -> planned). */
export function formatConfigDifferences(differences: readonly ConfigDifference[], limit = 6): string {
  const shown = differences.slice(0, limit).map((d) => `${d.key}: ${show(d.saved)} -> ${show(d.planned)}`);
  if (differences.length > limit) shown.push(`and ${differences.length - limit} more`);
  return shown.join(', ');
}
