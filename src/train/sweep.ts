// The cells of an ablation (Table 4's layout): one key varied at a time around the base config,
// the others kept at the base values, plus the baseline the table compares against.
import type { ExperimentConfig } from '../config/schema';

export interface SweepCell {
  /** Folder-safe name: "grid4-p0.8", "baseline". */
  name: string;
  config: ExperimentConfig;
}

function cellName(config: ExperimentConfig): string {
  const m = config.method;
  if (m.name !== 'gridmix') return m.name;
  return `grid${m.grid}-p${m.p}-gamma${m.gamma}`;
}

/** Base config with one method key changed. */
function withMethod(base: ExperimentConfig, patch: Partial<ExperimentConfig['method']>): ExperimentConfig {
  return { ...base, method: { ...base.method, ...patch }, sweep: undefined };
}

export function sweepCells(base: ExperimentConfig): SweepCell[] {
  const sweep = base.sweep ?? {};
  const configs: ExperimentConfig[] = [withMethod(base, {})];
  for (const grid of sweep.grid ?? []) configs.push(withMethod(base, { grid }));
  for (const p of sweep.p ?? []) configs.push(withMethod(base, { p }));
  for (const gamma of sweep.gamma ?? []) configs.push(withMethod(base, { gamma }));
  for (const name of sweep.method ?? []) configs.push(withMethod(base, { name }));
  configs.push(withMethod(base, { name: 'baseline' }));
  const cells = new Map<string, SweepCell>();
  for (const config of configs) {
    const name = cellName(config);
    if (!cells.has(name)) cells.set(name, { name, config });
  }
  return [...cells.values()];
}
