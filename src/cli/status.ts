// gridmix status [RESULTS]: every planned or trained run under RESULTS (default results/) and its
// state; for Slurm submissions the task id and Slurm's state (squeue: sacct needs slurmdbd).
import * as fs from 'fs';
import { Command } from 'commander';
import { UserError } from '../errors';
import { collectStatus, STATUS_ORDER, type StatusReport } from '../experiments/run-status';

export interface StatusOptions {
  results: string;
  json?: boolean;
  log?: (line: string) => void;
}

export function statusCommand(options: StatusOptions): StatusReport {
  const log = options.log ?? console.log;
  if (!fs.existsSync(options.results)) throw new UserError(`no results folder at ${options.results} (nothing planned or trained there yet)`);
  const report = collectStatus(options.results);
  if (options.json) {
    log(JSON.stringify(report, null, 2));
    return report;
  }
  const counts = STATUS_ORDER.map((s) => [s, report.runs.filter((r) => r.state === s).length] as const).filter(([, n]) => n > 0);
  log(`${report.runs.length} run(s) under ${options.results}${counts.length ? `: ${counts.map(([s, n]) => `${n} ${s}`).join(', ')}` : ''}`);
  const width = Math.max(0, ...report.runs.map((r) => r.label.length));
  for (const r of report.runs) {
    const slurm = r.slurm ? `  [Slurm ${r.slurm.id}${r.slurm.state ? ` ${r.slurm.state}` : ''}]` : '';
    log(`${r.state.padEnd(10)} ${r.label.padEnd(width)}  ${r.detail}${slurm}`);
  }
  for (const note of report.notes) log(`note: ${note}`);
  return report;
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('every planned or trained run under a results folder: finished, running, pending, unfinished, failed, changed')
    .argument('[results]', 'results folder (an experiment folder, or one above several)', 'results')
    .option('--json', 'print the report as JSON')
    .action(async (results: string, opts: { json?: boolean }) => {
      statusCommand({ results, json: opts.json });
    });
}
