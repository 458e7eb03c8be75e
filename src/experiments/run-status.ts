// `gridmix status`: every run under a results folder, planned (by a submission) or found (by its
// files), with its state: finished (top-1), running (epoch / of), pending, unfinished (resumable),
// failed (the last line of its log), changed (trained with another config than planned), and for
// Slurm the task id and Slurm's own state.
import * as fs from 'fs';
import * as path from 'path';
import { walkFolders } from '../io/folder-walk';
import { loadConfig } from '../config/load';
import type { ExperimentConfig } from '../config/schema';
import { runPaths } from '../train/run-files';
import { lastLogLine } from './log-tail';
import type { PlannedRun } from './planned-run';
import { assessRun } from './run-state';
import { runLabel } from './plan-runs';
import { ACTIVE_SLURM_STATES, FAILED_SLURM_STATES } from './slurm-commands';
import { slurmTasksOf, type SlurmTask } from './slurm-tasks';
import { findSubmissions, SUBMISSIONS_FOLDER } from './submission';
import { taskExitFile, taskLogFile } from './task-command';

export type StatusState = 'finished' | 'running' | 'pending' | 'unfinished' | 'failed' | 'changed';
export const STATUS_ORDER: StatusState[] = ['finished', 'running', 'pending', 'unfinished', 'failed', 'changed'];

export interface RunStatus {
  label: string;
  runDir: string;
  state: StatusState;
  detail: string;
  slurm?: SlurmTask;
}

export interface StatusReport {
  runs: RunStatus[];
  notes: string[];
}

/** Run folders under `root`: those holding any file of the results layout. */
function findRunFolders(root: string, depth = 3): string[] {
  const found: string[] = [];
  walkFolders(root, depth, [SUBMISSIONS_FOLDER, 'tables', 'report'], (dir, entries) => {
    if (!entries.some((e) => ['config.yaml', 'summary.json', 'checkpoint'].includes(e.name))) return 'descend';
    found.push(path.resolve(dir));
    return 'stop';
  });
  return found;
}

function tryLoad(file: string): ExperimentConfig | undefined {
  try {
    return fs.existsSync(file) ? loadConfig(file) : undefined;
  } catch {
    return undefined;
  }
}

interface LastExit {
  exit_code: number | null;
  signal?: string | null;
}

function readLastExit(runDir: string): LastExit | undefined {
  try {
    return JSON.parse(fs.readFileSync(taskExitFile(runDir), 'utf8')) as LastExit;
  } catch {
    return undefined;
  }
}

/** Exit codes that mean "stopped with a checkpoint" rather than "failed": 130 (Ctrl-C, SIGTERM, a requeue). */
const STOPPED = new Set([0, 130]);

function failureLine(runDir: string, fallback: string): string {
  return lastLogLine(taskLogFile(runDir)) ?? fallback;
}

function statusOf(runDir: string, label: string, planned: ExperimentConfig | undefined, ablationCell: string | undefined, slurm: SlurmTask | undefined): RunStatus {
  const base = { label, runDir, slurm };
  const config = planned ?? tryLoad(runPaths(runDir).config);
  if (!config) return { ...base, state: 'pending', detail: 'no config.yaml yet' };
  const run: PlannedRun = { label, config, runDir, ablationCell };
  const assessed = assessRun(run);
  const exit = readLastExit(runDir);
  const slurmState = slurm?.state;
  if (assessed.state === 'finished' || assessed.state === 'changed') return { ...base, state: assessed.state, detail: assessed.detail ?? '' };
  if (assessed.state === 'running' || slurmState === 'RUNNING' || slurmState === 'COMPLETING') {
    const detail = assessed.state === 'running' ? assessed.detail! : `epoch ${assessed.detail?.match(/epoch (\d+)/)?.[1] ?? 0}/${config.training.epochs}`;
    return { ...base, state: 'running', detail };
  }
  if (slurmState && ACTIVE_SLURM_STATES.has(slurmState)) return { ...base, state: 'pending', detail: `queued in Slurm${assessed.state === 'unfinished' ? `, will resume at ${assessed.detail}` : ''}` };
  if (slurmState && FAILED_SLURM_STATES.has(slurmState)) return { ...base, state: 'failed', detail: failureLine(runDir, `Slurm: ${slurmState}`) };
  if (exit && exit.exit_code !== null && !STOPPED.has(exit.exit_code)) return { ...base, state: 'failed', detail: failureLine(runDir, `exit code ${exit.exit_code}`) };
  if (assessed.state === 'unfinished') return { ...base, state: 'unfinished', detail: `${assessed.detail}${slurmState === 'CANCELLED' ? ', cancelled' : ''}; the same command resumes it` };
  if (exit && exit.exit_code === null && exit.signal) return { ...base, state: 'failed', detail: failureLine(runDir, `killed by ${exit.signal}`) };
  return { ...base, state: 'pending', detail: slurmState ? `Slurm: ${slurmState}` : 'not started' };
}

export function collectStatus(root: string): StatusReport {
  const submissions = findSubmissions(root);
  const planned = new Map<string, { label: string; config: string; cell?: string }>();
  for (const s of submissions) {
    for (const task of s.record.tasks) planned.set(path.resolve(task.run_dir), { label: task.label, config: task.config, cell: task.ablation_cell ?? undefined });
  }
  const slurm = slurmTasksOf(submissions);
  const notes = slurm.unavailable ? [`Slurm's state is not shown: ${slurm.unavailable}`] : [];
  const dirs = [...new Set([...planned.keys(), ...findRunFolders(root)])];
  const runs = dirs.map((dir) => {
    const plan = planned.get(dir);
    const label = runLabel(dir);
    const cell = plan?.cell ?? undefined;
    return statusOf(dir, label, plan ? tryLoad(plan.config) : undefined, cell, slurm.byRun.get(dir));
  });
  runs.sort((a, b) => a.label.localeCompare(b.label));
  return { runs, notes };
}
