// What a run folder holds, measured against the config planned for it now: `train --resume` and
// `ablate` decide from this whether a run is finished, may be continued, or was trained with
// another config (then it is neither skipped nor continued: the user is told what changed).
import * as fs from 'fs';
import YAML from 'yaml';
import { UserError } from '../errors';
import { diffResolvedConfigs, differencesResumeRefuses, type ConfigDifference } from '../config/config-diff';
import type { ExperimentConfig } from '../config/schema';
import { readSummary, runPaths } from './run-files';

export interface RunState {
  /** A checkpoint or a summary is there: something was trained. */
  started: boolean;
  /** summary.json says finished (under the saved config). */
  finished: boolean;
  /** Saved -> planned differences of the resolved config ([] when nothing was started). */
  differences: ConfigDifference[];
  /** The differences a resume refuses (all but a grown training.epochs). */
  refused: ConfigDifference[];
}

/** The run's saved config.yaml, parsed; undefined when there is none. */
function readSavedConfig(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return YAML.parse(text);
  } catch {
    throw new UserError(`${file} is damaged (not YAML); it is the config the run was trained with: restore it, or --force to start over`);
  }
}

export function inspectRun(runDir: string, planned: ExperimentConfig): RunState {
  const paths = runPaths(runDir);
  const summary = readSummary(runDir);
  const started = fs.existsSync(paths.checkpoint) || summary !== undefined;
  const finished = summary?.finished === true;
  if (!started) return { started, finished, differences: [], refused: [] };
  const saved = readSavedConfig(paths.config);
  if (saved === undefined) {
    throw new UserError(`${runDir} holds a run but no config.yaml to check the planned config against; --force to start over, or --out to train elsewhere`);
  }
  const differences = diffResolvedConfigs(saved, planned);
  return { started, finished, differences, refused: differencesResumeRefuses(differences) };
}

/** Finished under exactly the planned config: nothing left to do. */
export function isComplete(state: RunState): boolean {
  return state.finished && state.differences.length === 0;
}
