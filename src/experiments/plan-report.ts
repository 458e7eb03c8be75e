// The plan as the user sees it before anything starts: how many runs, how many finished, how many
// to do, and one line for every run that is not simply trained (finished, running, changed).
import type { AssessedRun, RunState } from './planned-run';
import { needsTraining } from './planned-run';

export function countStates(assessed: AssessedRun[]): Record<RunState, number> {
  const counts: Record<RunState, number> = { finished: 0, unfinished: 0, changed: 0, running: 0, pending: 0 };
  for (const a of assessed) counts[a.state]++;
  return counts;
}

/** Lines to print: the headline first. */
export function describePlan(title: string, assessed: AssessedRun[]): string[] {
  const c = countStates(assessed);
  const todo = assessed.filter((a) => needsTraining(a.state)).length;
  const parts = [`${c.finished} finished`, `${todo} to do (${c.pending} new, ${c.unfinished} to resume)`];
  if (c.running) parts.push(`${c.running} running elsewhere`);
  if (c.changed) parts.push(`${c.changed} trained with another config`);
  const lines = [`${title}: ${assessed.length} run${assessed.length === 1 ? '' : 's'}, ${parts.join(', ')}`];
  for (const a of assessed) {
    if (a.state === 'finished') lines.push(`  ${a.run.label}: finished (${a.detail}), skipped`);
    if (a.state === 'running') lines.push(`  ${a.run.label}: running (${a.detail}), left alone`);
    if (a.state === 'changed') lines.push(`  ${a.run.label}: trained with another config than planned now (${a.detail})`);
  }
  return lines;
}
