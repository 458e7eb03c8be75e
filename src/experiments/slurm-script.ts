// The sbatch script of one submission: a job array with one task per planned run. Each task picks
// its run by SLURM_ARRAY_TASK_ID, appends its output to train.log in the run folder, and runs
// `gridmix train` on the run's resolved config, with --resume when the folder holds a checkpoint.
// Near the time limit Slurm sends USR1 to the script (--signal=B:USR1@S); the script passes it on
// as SIGTERM (gridmix writes its checkpoint and exits), then requeues its own task, which resumes.
import type { SlurmConfig } from '../config/schema';
import { UserError } from '../errors';
import type { TaskRecord } from './submission';
import { taskExitFile, taskLogFile } from './task-command';

export interface SlurmScriptArgs {
  jobName: string;
  tasks: TaskRecord[];
  settings: SlurmConfig;
  /** At most this many tasks at once (the M of --array=0-K%M). */
  maxRunning?: number;
  /** The submission folder (Slurm's own per-task output goes there until the task knows its run). */
  submissionDir: string;
  cwd: string;
  node: string;
  gridmixBin: string;
}

/** Seconds of a Slurm --time value (minutes, MM:SS, HH:MM:SS, D-HH[:MM[:SS]]); undefined for no limit. */
export function slurmTimeSeconds(time: string): number | undefined {
  if (/^(UNLIMITED|INFINITE)$/.test(time)) return undefined;
  const [days, rest] = time.includes('-') ? [Number(time.split('-')[0]), time.split('-')[1]] : [0, time];
  const parts = rest.split(':').map(Number);
  if (time.includes('-')) {
    const [h = 0, m = 0, sec = 0] = parts;
    return ((days * 24 + h) * 60 + m) * 60 + sec;
  }
  if (parts.length === 1) return parts[0] * 60;
  if (parts.length === 2) return parts[0] * 60 + parts[1];
  return (parts[0] * 60 + parts[1]) * 60 + parts[2];
}

/** Refuses a warning signal that would come at (or before) the task's start: it would requeue forever. */
export function checkSignalTime(settings: SlurmConfig): void {
  const limit = settings.time ? slurmTimeSeconds(settings.time) : undefined;
  if (limit !== undefined && settings.signalSeconds > 0 && settings.signalSeconds >= limit / 2) {
    throw new UserError(
      `executor.slurm.signalSeconds: got ${settings.signalSeconds}; the checkpoint-and-requeue signal must come well before the time limit (${settings.time} = ${limit} s): use at most ${Math.floor(limit / 2) - 1}, or 0 to turn it off`,
    );
  }
}

/** Quotes for bash: single quotes, with embedded ones closed and escaped. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function bashArray(name: string, values: string[]): string {
  return `${name}=(\n${values.map((v) => `  ${shellQuote(v)}`).join('\n')}\n)`;
}

export function sbatchDirectives(args: SlurmScriptArgs): string[] {
  const s = args.settings;
  const last = args.tasks.length - 1;
  const lines = [
    `--job-name=${args.jobName}`,
    `--array=0-${last}${args.maxRunning ? `%${args.maxRunning}` : ''}`,
    `--output=${args.submissionDir}/task-%a.out`,
    `--chdir=${args.cwd}`,
    '--open-mode=append',
    '--requeue',
  ];
  if (s.signalSeconds > 0) lines.push(`--signal=B:USR1@${s.signalSeconds}`);
  if (s.partition) lines.push(`--partition=${s.partition}`);
  if (s.time) lines.push(`--time=${s.time}`);
  if (s.gres) lines.push(`--gres=${s.gres}`);
  else if (s.gpus) lines.push(`--gres=gpu:${s.gpus}`);
  if (s.cpusPerTask) lines.push(`--cpus-per-task=${s.cpusPerTask}`);
  if (s.mem) lines.push(`--mem=${s.mem}`);
  if (s.account) lines.push(`--account=${s.account}`);
  if (s.qos) lines.push(`--qos=${s.qos}`);
  lines.push(...s.extra);
  return lines.map((l) => `#SBATCH ${l}`);
}

export function slurmScript(args: SlurmScriptArgs): string {
  const tasks = args.tasks;
  const exitFile = taskExitFile('$run').replace('$run', '"$run"');
  return `#!/bin/bash
# gridmix: ${tasks.length} run(s) as one Slurm job array (written by gridmix; the same command resubmits what is not finished).
${sbatchDirectives(args).join('\n')}
set -u
${bashArray('configs', tasks.map((t) => t.config))}
${bashArray('runs', tasks.map((t) => t.run_dir))}
${bashArray('cells', tasks.map((t) => t.ablation_cell ?? ''))}
${bashArray('fresh', tasks.map((t) => (t.start_over ? '1' : '0')))}
i=\${SLURM_ARRAY_TASK_ID:?not a Slurm array task}
run=\${runs[$i]}
job=\${SLURM_ARRAY_JOB_ID}_\${SLURM_ARRAY_TASK_ID}
mkdir -p "$run"
exec >>${taskLogFile('$run').replace('$run', '"$run"')} 2>&1
${args.settings.setup.join('\n')}
args=(train --config "\${configs[$i]}" --run-dir "$run")
[ -n "\${cells[$i]}" ] && args+=(--ablation-cell "\${cells[$i]}")
# A run planned to start over does so on the first attempt only: a requeued attempt resumes.
if [ "\${fresh[$i]}" = 1 ] && [ "\${SLURM_RESTART_COUNT:-0}" = 0 ]; then args+=(--force)
elif [ -e "$run/checkpoint/last.ckpt" ]; then args+=(--resume); fi
echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) Slurm task $job on $(hostname) (attempt $((\${SLURM_RESTART_COUNT:-0} + 1))): gridmix \${args[*]}"
record_exit() {
  printf '{"exit_code": %d, "signal": null, "executor": "slurm", "job": "%s", "host": "%s", "requeued": %s, "at": "%s"}\\n' \\
    "$1" "$job" "$(hostname)" "$2" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >${exitFile}.tmp && mv ${exitFile}.tmp ${exitFile}
}
requeue() {
  echo "gridmix: the time limit is near: writing a checkpoint, then requeueing $job"
  kill -TERM "$child" 2>/dev/null
  wait "$child"
  record_exit $? true
  scontrol requeue "$job"
  exit 0
}
trap requeue USR1
${shellQuote(args.node)} ${shellQuote(args.gridmixBin)} "\${args[@]}" &
child=$!
wait "$child"
code=$?
record_exit $code false
exit $code
`;
}
