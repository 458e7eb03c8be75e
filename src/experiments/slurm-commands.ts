// The Slurm client commands gridmix calls: sbatch (submit), squeue (state). Without slurmdbd there
// is no sacct, so state comes from squeue -t all, which keeps finished jobs for MinJobAge.
import { spawnSync } from 'child_process';
import { UserError } from '../errors';

function run(command: string, args: string[], input?: string): { code: number | null; stdout: string; stderr: string; missing: boolean } {
  const r = spawnSync(command, args, { encoding: 'utf8', input, timeout: 60_000 });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return { code: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') || (r.error?.message ?? ''), missing };
}

const firstLine = (text: string) => text.trim().split('\n')[0] ?? '';

/** Submits a job (a script file, or --wrap in `args`); returns the job id. `what` names it in errors. */
export function sbatch(args: string[], what: string): string {
  const r = run('sbatch', ['--parsable', ...args]);
  if (r.missing) throw new UserError('--executor slurm: sbatch is not on PATH (run this on a Slurm login node; --dry-run prints the script without submitting)');
  if (r.code !== 0) throw new UserError(`sbatch refused the job: ${firstLine(r.stderr) || `exit code ${r.code}`} (${what})`);
  const id = firstLine(r.stdout).split(';')[0];
  if (!/^\d+$/.test(id)) throw new UserError(`sbatch answered "${firstLine(r.stdout)}", not a job id (${what})`);
  return id;
}

/** Slurm's state of every task it still knows: "<job>_<task>" (and plain "<job>") -> state, e.g. RUNNING. */
export interface QueueView {
  states: Map<string, string>;
  /** Why Slurm could not be asked (no squeue, no controller), when it could not. */
  unavailable?: string;
}

/** Expands squeue's "12_[3-5,7%2]" (tasks not yet split off) into "12_3", "12_4", ... */
export function expandArrayId(id: string): string[] {
  const m = /^(\d+)_\[([^\]]+)\]$/.exec(id);
  if (!m) return [id];
  const out: string[] = [];
  for (const part of m[2].split('%')[0].split(',')) {
    const [a, b] = part.split('-').map(Number);
    for (let t = a; t <= (b ?? a); t++) out.push(`${m[1]}_${t}`);
  }
  return out;
}

export function squeueStates(jobIds: string[]): QueueView {
  const states = new Map<string, string>();
  if (jobIds.length === 0) return { states };
  // --me: only this user's jobs (a cluster's queue is long); -r: one line per array task.
  const r = run('squeue', ['--me', '-h', '-r', '-t', 'all', '-o', '%i|%T']);
  if (r.missing) return { states, unavailable: 'squeue is not on PATH' };
  if (r.code !== 0) return { states, unavailable: `squeue: ${firstLine(r.stderr) || `exit code ${r.code}`}` };
  const wanted = new Set(jobIds);
  for (const line of r.stdout.split('\n')) {
    const [id, state] = line.trim().split('|');
    if (!id || !state || !wanted.has(id.split('_')[0])) continue;
    for (const task of expandArrayId(id)) states.set(task, state);
  }
  return { states };
}

/** States in which a task holds (or will hold) its run folder: the run must not be submitted again. */
export const ACTIVE_SLURM_STATES = new Set(['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'REQUEUED', 'REQUEUE_FED', 'REQUEUE_HOLD', 'RESIZING', 'SUSPENDED', 'STOPPED', 'SIGNALING', 'STAGE_OUT']);
/** States of a task that ended badly (Slurm's side: the run's own exit is in last-exit.json). */
export const FAILED_SLURM_STATES = new Set(['FAILED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED']);
