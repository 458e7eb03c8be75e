// --executor local: the planned runs as child processes of `gridmix train`, N at a time, each
// child's output appended to train.log in its run folder, the overall progress on the terminal.
// --gpus gives each job slot its own device. Ctrl-C (or SIGTERM) stops launching, passes the signal
// to every child (each writes its checkpoint and exits 130) and waits for them all.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import { InterruptedError } from '../errors';
import { writeJsonAtomic } from '../io/atomic-file';
import { runPaths, type Summary } from '../train/run-files';
import { formatDuration, progressLine, type Tally } from './progress-line';
import { epochsDone } from './run-state';
import type { TaskRecord } from './submission';
import { GRIDMIX_BIN, taskArgs, taskExitFile, taskLogFile } from './task-command';
import { lastLogLine } from './log-tail';

export interface LocalOptions {
  jobs: number;
  /** Device ids; job slot i trains on gpus[i % gpus.length]. */
  gpus?: number[];
  log: (line: string) => void;
  /** Seconds between progress lines while nothing starts or ends (0: only on events). */
  tickSeconds?: number;
}

export interface LocalResult {
  finished: TaskRecord[];
  failed: { task: TaskRecord; line: string }[];
}

/** The environment of a child on one device: CUDA_VISIBLE_DEVICES, which tensorflow reads (webgpu cannot be pinned yet). */
export function deviceEnv(gpu: number | undefined): Record<string, string> {
  return gpu === undefined ? {} : { CUDA_VISIBLE_DEVICES: String(gpu) };
}

function readTop1(runDir: string): string {
  try {
    const summary = JSON.parse(fs.readFileSync(runPaths(runDir).summary, 'utf8')) as Summary;
    return summary.top1 === null ? '' : `top-1 ${summary.top1.toFixed(2)}`;
  } catch {
    return '';
  }
}

export async function runLocally(tasks: TaskRecord[], options: LocalOptions): Promise<LocalResult> {
  const jobs = Math.max(1, Math.min(options.jobs, tasks.length));
  const queue = [...tasks];
  const running = new Map<TaskRecord, { child: ReturnType<typeof spawn>; started: number }>();
  const result: LocalResult = { finished: [], failed: [] };
  const tally: Tally = { total: tasks.length, done: 0, failed: 0, running: 0, durations: [], jobs };
  let stopping = false;
  let interrupted = 0;

  const onSignal = () => {
    if (!stopping) options.log(`stopping: ${running.size} running run(s) write their checkpoints; nothing new starts`);
    stopping = true;
    for (const { child } of running.values()) child.kill('SIGTERM');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const ticker = options.tickSeconds
    ? setInterval(() => {
        const epochs = [...running.keys()].map((t) => `${t.label} epoch ${epochsDone(t.run_dir)}`).join('; ');
        options.log(`${progressLine(tally)}${epochs ? `  (${epochs})` : ''}`);
      }, options.tickSeconds * 1000)
    : undefined;

  const launch = (task: TaskRecord, slot: number): Promise<void> =>
    new Promise((resolve) => {
      fs.mkdirSync(task.run_dir, { recursive: true });
      const gpu = options.gpus ? options.gpus[slot % options.gpus.length] : undefined;
      const resume = fs.existsSync(runPaths(task.run_dir).checkpoint);
      const args = taskArgs(task, resume);
      const logFile = taskLogFile(task.run_dir);
      const fd = fs.openSync(logFile, 'a');
      fs.writeSync(fd, `== ${new Date().toISOString()} local job on ${os.hostname()}${gpu === undefined ? '' : `, GPU ${gpu}`}: gridmix ${args.join(' ')}\n`);
      const child = spawn(process.execPath, [GRIDMIX_BIN, ...args], {
        cwd: process.cwd(),
        env: { ...process.env, ...deviceEnv(gpu) },
        stdio: ['ignore', fd, fd],
      });
      fs.closeSync(fd); // the child holds its own copy
      running.set(task, { child, started: Date.now() });
      tally.running = running.size;
      options.log(`${progressLine(tally)} started ${task.label}${task.start_over ? ' (starting over)' : resume ? ' (resuming)' : ''}${gpu === undefined ? '' : ` on GPU ${gpu}`}`);
      child.on('exit', (code, signal) => {
        const seconds = (Date.now() - running.get(task)!.started) / 1000;
        running.delete(task);
        tally.running = running.size;
        writeJsonAtomic(taskExitFile(task.run_dir), { exit_code: code, signal, executor: 'local', job: null, host: os.hostname(), at: new Date().toISOString() });
        if (code === 0) {
          result.finished.push(task);
          tally.done++;
          tally.durations.push(seconds);
          options.log(`${progressLine(tally)} finished ${task.label} ${readTop1(task.run_dir)} (${formatDuration(seconds)})`);
        } else if (stopping && (code === 130 || signal !== null)) {
          interrupted++;
          options.log(`${progressLine(tally)} stopped ${task.label} (checkpoint kept; the same command resumes it)`);
        } else {
          const line = lastLogLine(logFile) ?? `exit code ${code ?? signal}`;
          result.failed.push({ task, line });
          tally.failed++;
          options.log(`${progressLine(tally)} FAILED ${task.label}: ${line} (log: ${logFile})`);
        }
        resolve();
      });
    });

  const slotLoop = async (slot: number) => {
    for (let task = queue.shift(); task && !stopping; task = queue.shift()) await launch(task, slot);
  };
  try {
    await Promise.all(Array.from({ length: jobs }, (_, slot) => slotLoop(slot)));
  } finally {
    if (ticker) clearInterval(ticker);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (stopping) {
    throw new InterruptedError(
      `interrupted: ${interrupted} run(s) stopped with their checkpoints, ${result.finished.length} finished, ${queue.length} not started; the same command continues (finished runs are skipped)`,
    );
  }
  return result;
}
