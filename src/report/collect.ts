// Every run under a results folder, read from the files of the results layout.
import * as fs from 'fs';
import * as path from 'path';
import { walkFolders } from '../io/folder-walk';
import YAML from 'yaml';
import type { Summary } from '../train/run-files';
import { counted } from '../text/plural';

export interface RunRecord {
  dir: string;
  summary: Summary;
  /** training.batchSize from the run's config.yaml (Table 3's iterations/s). */
  batchSize: number | null;
  /**
   * The training recipe from config.yaml (epochs, data limit, batch, lr, schedule): runs are pooled
   * as seeds of one cell only when their recipes are the same.
   */
  recipe: string;
  /** eval-*.json files of the run, by name ("imagenet-a", "localization", "test"). */
  evals: Record<string, Record<string, unknown>>;
}

/** A file of the results layout that the report could not use, and why (the report names each). */
export interface SkippedFile {
  file: string;
  why: string;
}

/** A run folder the report cannot use (or uses in part), and why: the HTML report lists these. */
export interface RunProblem {
  dir: string;
  reason: string;
}

/** The skipped files as the run folders they belong to. */
export function runProblems(skipped: readonly SkippedFile[]): RunProblem[] {
  return skipped.map((s) => ({ dir: path.dirname(s.file), reason: problemReason(path.basename(s.file), s.why) }));
}

/** A skipped file's reason as a sentence about its run folder: "no summary.json: ...", "summary.json is empty". */
function problemReason(name: string, why: string): string {
  if (why.startsWith('absent: ')) return `no ${name}: ${why.slice('absent: '.length)}`;
  if (/^(empty|unreadable|not valid JSON|not a JSON object)/.test(why)) return `${name} is ${why}`;
  return `${name}: ${why}`;
}

type JsonRead = { ok: true; value: unknown } | { ok: false; why: string };

function readJson(file: string): JsonRead {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, why: `unreadable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, why: text.trim() === '' ? 'empty' : 'not valid JSON (damaged or cut short)' };
  }
}

const isString = (v: unknown) => typeof v === 'string';
const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const orNull = (check: (v: unknown) => boolean) => (v: unknown) => v === null || check(v);

/** The fields the tables read, with what each must be: a summary that fails one is in no table, so it is not counted. */
const SUMMARY_FIELDS: [keyof Summary, (v: unknown) => boolean, string][] = [
  ['experiment', isString, 'a text'],
  ['dataset', isString, 'a text'],
  ['backbone', isString, 'a text'],
  ['method', isString, 'a text'],
  ['seed', isNumber, 'a number'],
  ['finished', (v) => typeof v === 'boolean', 'true or false'],
  ['top1', orNull(isNumber), 'a number or null'],
  ['images_per_second', isNumber, 'a number'],
  ['ablation_cell', (v) => v === undefined || v === null || isString(v), 'a text or null'],
  ['grid', (v) => v === undefined || v === null || v === 'random' || isNumber(v), 'a number, "random" or null'],
  ['p', (v) => v === undefined || orNull(isNumber)(v), 'a number or null'],
];

/** Why a parsed summary.json cannot be used, or undefined when it can. */
function summaryProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const record = value as Record<string, unknown>;
  for (const [key, check, expected] of SUMMARY_FIELDS) {
    if (!check(record[key])) return `${key} is ${record[key] === undefined ? 'missing' : JSON.stringify(record[key])}, expected ${expected}`;
  }
  return undefined;
}

interface RunConfigFields {
  dataset?: { trainLimit?: number; imageSize?: number };
  training?: { epochs?: number; batchSize?: number; optimizer?: { lr?: number }; schedule?: { type?: string } };
}

function readRunConfig(dir: string): RunConfigFields {
  try {
    return (YAML.parse(fs.readFileSync(path.join(dir, 'config.yaml'), 'utf8')) as RunConfigFields) ?? {};
  } catch {
    return {};
  }
}

function recipeOf(config: RunConfigFields): string {
  const t = config.training ?? {};
  const limit = config.dataset?.trainLimit ? `${counted(config.dataset.trainLimit, 'train image')}` : 'full train set';
  // Runs of a folder dataset at another size are another recipe (cells pool only like with like).
  const data = config.dataset?.imageSize ? `${limit} at ${config.dataset.imageSize} px` : limit;
  return `${t.epochs === undefined ? '? epochs' : counted(t.epochs, 'epoch')} · ${data} · batch ${t.batchSize ?? '?'} · lr ${t.optimizer?.lr ?? '?'} ${t.schedule?.type ?? ''}`.trim();
}

/**
 * Finds run folders (those with a summary.json) up to three levels below `root`. A summary.json or
 * eval-*.json that cannot be read or lacks what the tables need goes to `skipped` with the reason,
 * never quietly dropped or counted.
 */
export function scanResults(root: string, depth = 3): { runs: RunRecord[]; skipped: SkippedFile[] } {
  const records: RunRecord[] = [];
  const skipped: SkippedFile[] = [];
  walkFolders(root, depth, ['tables', 'checkpoint'], (dir, entries) => {
    if (entries.some((e) => e.isFile() && e.name === 'summary.json')) {
      const file = path.join(dir, 'summary.json');
      const read = readJson(file);
      const problem = read.ok ? summaryProblem(read.value) : read.why;
      if (problem !== undefined) {
        skipped.push({ file, why: problem });
        return 'stop';
      }
      const summary = (read as { value: Summary }).value;
      const evals: RunRecord['evals'] = {};
      for (const e of entries) {
        const match = /^eval-(.+)\.json$/.exec(e.name);
        if (!match) continue;
        const evalRead = readJson(path.join(dir, e.name));
        if (evalRead.ok && evalRead.value !== null && typeof evalRead.value === 'object' && !Array.isArray(evalRead.value)) {
          evals[match[1]] = evalRead.value as Record<string, unknown>;
        } else {
          skipped.push({ file: path.join(dir, e.name), why: evalRead.ok ? 'not a JSON object' : evalRead.why });
        }
      }
      const config = readRunConfig(dir);
      records.push({ dir, summary, batchSize: config.training?.batchSize ?? null, recipe: recipeOf(config), evals });
      return 'stop';
    }
    if (entries.some((e) => e.isFile() && e.name === 'config.yaml')) {
      const why = 'absent: the run has not finished its first epoch (or its files were removed)';
      skipped.push({ file: path.join(dir, 'summary.json'), why });
      return 'stop';
    }
    return 'descend';
  });
  return { runs: records.sort((a, b) => a.dir.localeCompare(b.dir)), skipped: skipped.sort((a, b) => a.file.localeCompare(b.file)) };
}

/** The usable runs under `root` (scanResults without the skipped files). */
export function collectRuns(root: string, depth = 3): RunRecord[] {
  return scanResults(root, depth).runs;
}
