// The one command every executor runs per task: `gridmix train` on the task's resolved config, in
// its exact run folder, resuming when the folder holds a checkpoint (a requeued Slurm task, or a
// run stopped by Ctrl-C, continues where it stopped).
import * as path from 'path';
import type { TaskRecord } from './submission';

/** The gridmix launcher of this installation (a task runs the same gridmix that planned it). */
export const GRIDMIX_BIN = path.resolve(__dirname, '..', '..', '..', 'bin', 'gridmix');

/** Arguments after `node bin/gridmix`; `resume` (a checkpoint is there) is decided when the task starts. */
export function taskArgs(task: TaskRecord, resume: boolean): string[] {
  const args = ['train', '--config', task.config, '--run-dir', task.run_dir];
  if (task.ablation_cell) args.push('--ablation-cell', task.ablation_cell);
  if (task.start_over) args.push('--force');
  else if (resume) args.push('--resume');
  return args;
}

/** Each attempt's stdout and stderr, appended, in the run folder. */
export function taskLogFile(runDir: string): string {
  return path.join(runDir, 'train.log');
}

/** The exit of the task's last attempt, written by the executor: { exit_code, executor, job, host, at }. */
export function taskExitFile(runDir: string): string {
  return path.join(runDir, 'last-exit.json');
}
