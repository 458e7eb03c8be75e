// One process per run folder. The lock file holds the owner's pid and host; a lock whose owner is
// dead (same host, pid gone) is taken over, so a kill -9 never locks a run forever.
// Why not an mtime-refreshing lock (proper-lockfile): a single training step of a large model on
// the wasm backend blocks the event loop for longer than any sensible staleness window.
import * as fs from 'fs';
import * as os from 'os';
import { UserError } from '../errors';
import { explainWriteError } from './atomic-file';

export interface LockOwner {
  pid: number;
  host: string;
  started: string;
  /** The Slurm task holding it ("<array job>_<task>" or the job id), when it runs under Slurm. */
  slurmJob?: string;
}

/** This process's Slurm task, if any: Slurm runs one instance of a task at a time, on whichever node. */
function ownSlurmJob(): string | undefined {
  const env = process.env;
  if (env.SLURM_ARRAY_JOB_ID && env.SLURM_ARRAY_TASK_ID) return `${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID}`;
  return env.SLURM_JOB_ID || undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
  } catch {
    return undefined; // half-written or vanished: treat as stale
  }
}

/** Takes the lock or throws a UserError naming the holder. Returns the release function. */
export function acquireRunLock(file: string, what: string): () => void {
  const me: LockOwner = { pid: process.pid, host: os.hostname(), started: new Date().toISOString(), slurmJob: ownSlurmJob() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const owner = readOwner(file);
        if (owner && owner.pid === me.pid && owner.host === me.host) fs.rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw explainWriteError(err, file);
    }
    const owner = readOwner(file);
    if (owner && owner.host === me.host && isAlive(owner.pid) && owner.pid !== me.pid) {
      throw new UserError(`${what} is in use by another gridmix process (pid ${owner.pid}, since ${owner.started}); lock file ${file}`);
    }
    // A requeued Slurm task may start on another node than the attempt that left the lock (killed
    // after Slurm's KillWait): the same task cannot be running twice, so its old lock is stale.
    const sameSlurmTask = owner?.slurmJob !== undefined && owner.slurmJob === me.slurmJob;
    if (owner && owner.host !== me.host && !sameSlurmTask) {
      throw new UserError(`${what} is locked by gridmix on host ${owner.host} (pid ${owner.pid}); if that process is gone, delete ${file}`);
    }
    fs.rmSync(file, { force: true }); // stale: its owner died
  }
  throw new UserError(`could not take the lock ${file}`);
}

/**
 * The live owner of a lock file on this host, or undefined when the file is absent or its owner
 * is gone (what acquireRunLock would take over). A lock from another host is reported as live:
 * this host cannot tell.
 */
export function liveLockOwner(file: string): LockOwner | undefined {
  const owner = fs.existsSync(file) ? readOwner(file) : undefined;
  if (!owner) return undefined;
  if (owner.host !== os.hostname()) return owner;
  return isAlive(owner.pid) && owner.pid !== process.pid ? owner : undefined;
}
