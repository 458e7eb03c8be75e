// A submission's records, in <plan folder>/submissions/<time>-<executor>/: the resolved config of
// every task (run-<i>.yaml, what `gridmix train --config` reads), the Slurm script when there is
// one, and submission.json (which run each task trains, and the job id once Slurm gave one), so
// `gridmix status` can say what was planned and ask Slurm about it later.
import * as fs from 'fs';
import * as path from 'path';
import { walkFolders } from '../io/folder-walk';
import { configToYaml } from '../config/load';
import type { ExecutorConfig } from '../config/schema';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic-file';
import type { PlannedRun } from './planned-run';

export interface TaskRecord {
  /** The task's index (Slurm's SLURM_ARRAY_TASK_ID). */
  index: number;
  label: string;
  /** Absolute paths: a task may start in another working directory. */
  run_dir: string;
  config: string;
  ablation_cell: string | null;
  /** Train from scratch (--force on a changed run): on the task's first attempt only. */
  start_over: boolean;
}

export interface SubmissionRecord {
  executor: ExecutorConfig['name'];
  created: string;
  /** The working directory the plan was made in (relative paths in configs are relative to it). */
  cwd: string;
  /** Slurm's job id of the array (tasks are <job_id>_<index>); null for local runs or before sbatch answered. */
  job_id: string | null;
  script: string | null;
  tasks: TaskRecord[];
}

export interface Submission {
  dir: string;
  record: SubmissionRecord;
}

export const SUBMISSIONS_FOLDER = 'submissions';
const RECORD = 'submission.json';

function stamp(date: Date): string {
  return date.toISOString().replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * The submission of `runs` (those in `startOver` train from scratch): its folder, and each task's
 * resolved config in it. `write: false`
 * (--dry-run) names the files without writing anything.
 */
export function createSubmission(planDir: string, executor: ExecutorConfig['name'], runs: PlannedRun[], startOver: Set<PlannedRun>, write = true): Submission {
  const now = new Date();
  const base = path.join(planDir, SUBMISSIONS_FOLDER, `${stamp(now)}-${executor}`);
  let dir = base;
  for (let n = 2; fs.existsSync(dir); n++) dir = `${base}-${n}`;
  if (write) fs.mkdirSync(dir, { recursive: true });
  const tasks = runs.map((run, index): TaskRecord => {
    const config = path.join(dir, `run-${index}.yaml`);
    if (write) writeFileAtomic(config, configToYaml(run.config));
    return { index, label: run.label, run_dir: path.resolve(run.runDir), config, ablation_cell: run.ablationCell ?? null, start_over: startOver.has(run) };
  });
  const record: SubmissionRecord = { executor, created: now.toISOString(), cwd: process.cwd(), job_id: null, script: null, tasks };
  const submission = { dir, record };
  if (write) saveSubmission(submission);
  return submission;
}

export function saveSubmission(submission: Submission): void {
  writeJsonAtomic(path.join(submission.dir, RECORD), submission.record);
}

/** Every submission under `root` (its own submissions/ and those of folders up to three levels down), oldest first. */
export function findSubmissions(root: string, depth = 3): Submission[] {
  const found: Submission[] = [];
  walkFolders(root, depth + 1, ['checkpoint', 'tables'], (dir, entries) => {
    if (path.basename(dir) !== SUBMISSIONS_FOLDER) return 'descend';
    for (const sub of entries) {
      const file = path.join(dir, sub.name, RECORD);
      try {
        found.push({ dir: path.join(dir, sub.name), record: JSON.parse(fs.readFileSync(file, 'utf8')) as SubmissionRecord });
      } catch {
        // a submission folder without a readable record (being written, or not ours): skip it
      }
    }
    return 'stop';
  });
  return found.sort((a, b) => a.record.created.localeCompare(b.record.created));
}
