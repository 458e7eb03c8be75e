// Runs the real gridmix command line in a child process, as a user would.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const REPO = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(REPO, 'bin', 'gridmix');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function gridmix(args: string[], cwd = REPO): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** gridmix's stdout, after asserting that it exited 0 (the message holds the command and its stderr). */
export function gridmixOk(args: string[]): string {
  const r = gridmix(args);
  assert.equal(r.code, 0, `gridmix ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Starts gridmix in the background (for kill and Ctrl-C tests). */
export function gridmixAsync(args: string[], cwd = REPO) {
  return spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `gridmix-${prefix}-`));
}

/** Writes a config file and returns its path. */
export function writeConfig(dir: string, name: string, yaml: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, yaml);
  return file;
}

/** metrics.csv without the wall-clock column, which differs from run to run. */
export function metricsWithoutTime(file: string): string[] {
  const [header, ...rows] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const drop = header.split(',').indexOf('seconds');
  return [header, ...rows].map((line) => line.split(',').filter((_, i) => i !== drop).join(','));
}

/** summary.json without the fields that measure time. */
export function summaryNumbers(file: string): Record<string, unknown> {
  const summary = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  delete summary.train_seconds;
  delete summary.images_per_second;
  delete summary.git_commit; // other commits may land between two runs of a test
  return summary;
}

type Child = ReturnType<typeof gridmixAsync>;

/** Resolves once `check()` holds (polled every 20 ms); rejects if the process exits first. */
export function waitFor(check: () => boolean, child: Child): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (check()) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
    child.on('exit', () => {
      clearInterval(timer);
      reject(new Error('the run ended first'));
    });
  });
}

/** The exit code and stderr of a background gridmix, once it ends. */
export function exitOf(child: Child): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

/** Starts `gridmix args` and kill -9s it as soon as `file` exists. */
export async function killWhenExists(args: string[], file: string): Promise<void> {
  const child = gridmixAsync(args);
  const exited = exitOf(child);
  await waitFor(() => fs.existsSync(file), child);
  child.kill('SIGKILL');
  await exited;
}
