// Every run under a results folder, read from the files of the results layout.
import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';
import type { Summary } from '../train/run-files';

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

/** A run folder the report cannot use, and why (the HTML report lists these instead of dropping them). */
export interface RunProblem {
  dir: string;
  reason: string;
}

export interface RunScan {
  runs: RunRecord[];
  problems: RunProblem[];
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined; // unreadable eval files are ignored; unreadable summaries become problems
  }
}

/** The summary, or why it cannot be used. */
function readSummary(file: string): Summary | string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return `summary.json cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `summary.json is not valid JSON (${(err as Error).message})`;
  }
  if (!value || typeof value !== 'object' || !('method' in value)) return 'summary.json has no "method": not a gridmix summary';
  return value as Summary;
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
  const limit = config.dataset?.trainLimit ? `${config.dataset.trainLimit} train images` : 'full train set';
  // Runs of a folder dataset at another size are another recipe (cells pool only like with like).
  const data = config.dataset?.imageSize ? `${limit} at ${config.dataset.imageSize} px` : limit;
  return `${t.epochs ?? '?'} epochs · ${data} · batch ${t.batchSize ?? '?'} · lr ${t.optimizer?.lr ?? '?'} ${t.schedule?.type ?? ''}`.trim();
}

/** Finds run folders (those with a summary.json) up to three levels below `root`. */
export function collectRuns(root: string, depth = 3): RunRecord[] {
  return scanRuns(root, depth).runs;
}

/**
 * The readable runs, and the folders that look like runs but cannot be read: a summary.json that is
 * damaged, or a config.yaml with no summary.json (a run that never finished its first epoch).
 */
export function scanRuns(root: string, depth = 3): RunScan {
  const records: RunRecord[] = [];
  const problems: RunProblem[] = [];
  const visit = (dir: string, level: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (entries.some((e) => e.isFile() && e.name === 'summary.json')) {
      const summary = readSummary(path.join(dir, 'summary.json'));
      if (typeof summary === 'string') problems.push({ dir, reason: summary });
      else {
        const evals: RunRecord['evals'] = {};
        for (const e of entries) {
          const match = /^eval-(.+)\.json$/.exec(e.name);
          const value = match && readJson(path.join(dir, e.name));
          if (match && value && typeof value === 'object') evals[match[1]] = value as Record<string, unknown>;
        }
        const config = readRunConfig(dir);
        records.push({ dir, summary, batchSize: config.training?.batchSize ?? null, recipe: recipeOf(config), evals });
      }
      return;
    }
    if (entries.some((e) => e.isFile() && e.name === 'config.yaml')) {
      problems.push({ dir, reason: 'no summary.json: the run has not finished its first epoch (or its files were removed)' });
      return;
    }
    if (level >= depth) return;
    for (const e of entries) if (e.isDirectory() && e.name !== 'tables' && e.name !== 'checkpoint') visit(path.join(dir, e.name), level + 1);
  };
  visit(root, 0);
  return { runs: records.sort((a, b) => a.dir.localeCompare(b.dir)), problems: problems.sort((a, b) => a.dir.localeCompare(b.dir)) };
}
