// Which planned runs a Slurm job of an earlier submission still holds, so a re-submission leaves
// them alone, and the Slurm task of every run that `gridmix status` shows.
import * as path from 'path';
import { squeueStates, type QueueView } from './slurm-commands';
import type { Submission } from './submission';

export interface SlurmTask {
  /** "<array job>_<index>" */
  id: string;
  /** Slurm's state when squeue still knows the task, else undefined. */
  state?: string;
}

export interface SlurmTasks {
  /** Absolute run folder -> the task of the latest Slurm submission that included it. */
  byRun: Map<string, SlurmTask>;
  /** Slurm's state of every task of these submissions that squeue still knows. */
  states: Map<string, string>;
  unavailable?: string;
}

export function slurmTasksOf(submissions: Submission[]): SlurmTasks {
  const slurm = submissions.filter((s) => s.record.executor === 'slurm' && s.record.job_id);
  const view: QueueView = squeueStates([...new Set(slurm.map((s) => s.record.job_id!))]);
  const byRun = new Map<string, SlurmTask>();
  for (const s of slurm) {
    for (const task of s.record.tasks) {
      const id = `${s.record.job_id}_${task.index}`;
      byRun.set(path.resolve(task.run_dir), { id, state: view.states.get(id) });
    }
  }
  return { byRun, states: view.states, unavailable: view.unavailable };
}
