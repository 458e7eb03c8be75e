// Whether a Slurm controller answers here (.ci/setup-slurm.sh starts a single-node one and exports
// SLURM_CONF): the tests of `--executor slurm` skip, saying why, when none does; where CI set one
// up (GRIDMIX_REQUIRE_SLURM=1) its absence is an error, not a skip.
import { spawnSync } from 'child_process';

export function slurmMissing(): string | undefined {
  const r = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', timeout: 20_000 });
  let reason: string | undefined;
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') reason = 'sinfo is not installed (no Slurm here; .ci/setup-slurm.sh start sets one up)';
  else if (r.status !== 0) reason = `no Slurm controller answers (sinfo: ${(r.stderr || r.error?.message || '').trim().split('\n')[0]}); .ci/setup-slurm.sh start sets one up`;
  else if (!/idle|mixed|alloc/.test(r.stdout)) reason = `the Slurm node is not up (sinfo: "${r.stdout.trim()}")`;
  if (reason && process.env.GRIDMIX_REQUIRE_SLURM === '1') throw new Error(`GRIDMIX_REQUIRE_SLURM=1: ${reason}`);
  return reason;
}

/** Slurm's state of one job or array task ("12_0"), or undefined once squeue has forgotten it. */
export function slurmState(id: string): string | undefined {
  const r = spawnSync('squeue', ['-h', '-r', '-t', 'all', '-o', '%i|%T'], { encoding: 'utf8' });
  for (const line of r.stdout.split('\n')) {
    const [task, state] = line.trim().split('|');
    if (task === id) return state;
  }
  return undefined;
}

export function slurm(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Polls `check` every 200 ms until it holds; fails after `seconds`, saying what it waited for. */
export async function until(what: string, check: () => boolean, seconds = 150): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
