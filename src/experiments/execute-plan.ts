// A plan from its runs to its executor: assess every run's folder, print the plan, then train
// what is not finished, as local child processes or as one Slurm job array. Runs another process
// or a queued Slurm task holds are left alone. Runs trained with another config than planned now
// stop the plan before anything starts (as `train --resume` and `ablate` do); --force starts
// those over.
import * as fs from 'fs';
import * as path from 'path';
import type { ExecutorConfig } from '../config/schema';
import { UserError } from '../errors';
import { writeFileAtomic } from '../io/atomic-file';
import { liveLockOwner } from '../io/run-lock';
import { runPaths } from '../train/run-files';
import { runLocally } from './local-executor';
import { describePlan } from './plan-report';
import { planFolder } from './plan-runs';
import { needsTraining, type AssessedRun, type PlannedRun } from './planned-run';
import { assessRun } from './run-state';
import { ACTIVE_SLURM_STATES, sbatch } from './slurm-commands';
import { checkSignalTime, shellQuote, slurmScript } from './slurm-script';
import { slurmTasksOf } from './slurm-tasks';
import { createSubmission, findSubmissions, saveSubmission, type Submission } from './submission';
import { GRIDMIX_BIN, taskArgs } from './task-command';

export interface ExecuteOptions {
  /** The plan's headline, e.g. "12 configs x 3 seeds" or "ablation mini-table4". */
  title: string;
  /** Slurm's job name. */
  jobName: string;
  runs: PlannedRun[];
  executor: ExecutorConfig;
  /** Start over the runs trained with another config than planned now. */
  force: boolean;
  /** Print the plan (and the Slurm script) and start nothing. */
  dryRun: boolean;
  log: (line: string) => void;
  /** Names the command in messages ("ablate", "train"). */
  verb: string;
  /** How to put the runs elsewhere ("--out", "--results"). */
  elsewhere: string;
  /** A gridmix command (arguments) to run once every task has ended: Slurm runs it as a dependent job. */
  afterwards?: { args: string[]; what: string };
}

export interface ExecuteResult {
  planDir: string;
  assessed: AssessedRun[];
  /** The submission made (undefined when nothing was to do, or with dryRun). */
  submission?: Submission;
  /** Local only: runs that failed, with the last line of their log. */
  failed: { label: string; line: string }[];
}

/** Runs a queued or running Slurm task of an earlier submission holds count as running. */
function withSlurmTasks(assessed: AssessedRun[], planDir: string, log: (line: string) => void): AssessedRun[] {
  const submissions = findSubmissions(planDir, 0);
  if (!submissions.some((s) => s.record.executor === 'slurm')) return assessed;
  const tasks = slurmTasksOf(submissions);
  if (tasks.unavailable) log(`note: could not ask Slurm about earlier submissions (${tasks.unavailable}); their runs are judged by their folders alone`);
  return assessed.map((a) => {
    const task = tasks.byRun.get(path.resolve(a.run.runDir));
    // A lock left on another node by a Slurm task that has ended does not hold the run.
    const owner = a.state === 'running' ? liveLockOwner(runPaths(a.run.runDir).lock) : undefined;
    const ownerState = owner?.slurmJob ? tasks.states.get(owner.slurmJob) : undefined;
    if (ownerState && !ACTIVE_SLURM_STATES.has(ownerState)) return assessRun(a.run, { ignoreLock: true });
    if (a.state !== 'running' && task?.state && ACTIVE_SLURM_STATES.has(task.state)) {
      return { ...a, state: 'running', detail: `Slurm task ${task.id} ${task.state}` };
    }
    return a;
  });
}

export async function executePlan(options: ExecuteOptions): Promise<ExecuteResult> {
  const { runs, executor, log } = options;
  if (executor.name === 'slurm') checkSignalTime(executor.slurm);
  const planDir = planFolder(runs);
  const assessed = withSlurmTasks(runs.map((r) => assessRun(r)), planDir, log);
  for (const line of describePlan(options.title, assessed)) log(line);
  const changed = assessed.filter((a) => a.state === 'changed');
  if (changed.length > 0 && !options.force) {
    const also = changed.length > 1 ? `; also ${changed.slice(1).map((a) => a.run.label).join(', ')}` : '';
    throw new UserError(
      `${options.verb}: ${changed.length} of ${assessed.length} runs were trained with another config than planned now ` +
        `(${changed[0].run.label}: ${changed[0].detail}${also}); --force starts those over, ${options.elsewhere} puts them elsewhere`,
    );
  }
  const todo = assessed.filter((a) => needsTraining(a.state) || a.state === 'changed').map((a) => a.run);
  const result: ExecuteResult = { planDir, assessed, failed: [] };
  if (todo.length === 0) {
    log('nothing to train');
    return result;
  }
  const startOver = new Set(changed.map((a) => a.run));
  const submission = createSubmission(planDir, executor.name, todo, startOver, !options.dryRun);
  if (executor.name === 'slurm') {
    submitToSlurm(submission, options);
  } else if (options.dryRun) {
    for (const task of submission.record.tasks) log(`would run: gridmix ${taskArgs(task, fs.existsSync(runPaths(task.run_dir).checkpoint)).join(' ')}`);
    log(`(--dry-run: nothing started; the task configs would go to ${submission.dir})`);
  } else {
    const jobs = executor.jobs ?? executor.gpus?.length ?? 1;
    log(`local: ${todo.length} run(s), ${Math.min(jobs, todo.length)} at a time${executor.gpus ? ` on GPUs ${executor.gpus.join(',')}` : ''}; each run's output in its folder's train.log`);
    const local = await runLocally(submission.record.tasks, { jobs, gpus: executor.gpus, log, tickSeconds: 60 });
    result.failed = local.failed.map((f) => ({ label: f.task.label, line: f.line }));
  }
  if (!options.dryRun) result.submission = submission;
  return result;
}

function submitToSlurm(submission: Submission, options: ExecuteOptions): void {
  const { executor, log } = options;
  const tasks = submission.record.tasks;
  const script = slurmScript({
    jobName: options.jobName,
    tasks,
    settings: executor.slurm,
    maxRunning: executor.slurm.maxRunning ?? executor.jobs,
    submissionDir: submission.dir,
    cwd: process.cwd(),
    node: process.execPath,
    gridmixBin: GRIDMIX_BIN,
  });
  const scriptFile = path.join(submission.dir, 'job.sbatch');
  if (options.dryRun) {
    log(`--dry-run: the script below is not submitted (it would be ${scriptFile})`);
    log(script.trimEnd());
    return;
  }
  writeFileAtomic(scriptFile, script);
  submission.record.script = scriptFile;
  saveSubmission(submission);
  let jobId: string;
  try {
    jobId = sbatch([scriptFile], `script: ${scriptFile}`);
  } catch (err) {
    fs.rmSync(submission.dir, { recursive: true, force: true }); // nothing was queued: no record of it
    throw err;
  }
  submission.record.job_id = jobId;
  saveSubmission(submission);
  log(`submitted Slurm job ${jobId}: ${tasks.length} task(s) (${jobId}_0..${jobId}_${tasks.length - 1}); script and records in ${submission.dir}`);
  if (options.afterwards) {
    const wrap = [process.execPath, GRIDMIX_BIN, ...options.afterwards.args].map(shellQuote).join(' ');
    try {
      const after = sbatch([
        `--job-name=${options.jobName}-after`, `--dependency=afterany:${jobId}`, '--kill-on-invalid-dep=yes',
        `--output=${path.join(submission.dir, 'afterwards.out')}`, `--chdir=${process.cwd()}`,
        ...(executor.slurm.partition ? [`--partition=${executor.slurm.partition}`] : []),
        ...(executor.slurm.account ? [`--account=${executor.slurm.account}`] : []),
        ...(executor.slurm.qos ? [`--qos=${executor.slurm.qos}`] : []),
        `--wrap=${wrap}`,
      ], `the job that would ${options.afterwards.what}`);
      log(`Slurm job ${after} ${options.afterwards.what} once job ${jobId} has ended`);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      log(`note: ${err.message}; run the same command again once the job has ended to ${options.afterwards.what}`);
    }
  }
  const planDir = path.dirname(path.dirname(submission.dir));
  log(`follow it with: gridmix status ${path.relative(process.cwd(), planDir) || '.'}`);
}
