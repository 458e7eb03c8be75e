// YAML loading with `extends:` (a config builds on another; paths relative to the file that
// extends), deep merge (objects merge, everything else replaces), command-line overrides, then
// the schema check.
import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';
import { UserError } from '../errors';
import type { ExperimentConfig } from './schema';
import { checkConfigRules, resolveDatasetDefaults } from './rules';
import { validateConfig } from './validate';

type Raw = Record<string, unknown>;

function isPlainObject(value: unknown): value is Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function deepMerge(base: Raw, over: Raw): Raw {
  const out: Raw = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = isPlainObject(value) && isPlainObject(out[key]) ? deepMerge(out[key] as Raw, value) : value;
  }
  return out;
}

function readYamlFile(file: string): Raw {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read config ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const doc = YAML.parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0] ? ` line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    throw new UserError(`YAML syntax error in ${file}${line}: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) throw new UserError(`config ${file}: expected a mapping of keys at the top level`);
  return value;
}

/** The raw merged object of a config file and everything it extends. */
export function readConfigTree(file: string, chain: string[] = []): Raw {
  const absolute = path.resolve(file);
  if (chain.includes(absolute)) {
    throw new UserError(`config extends cycle: ${[...chain, absolute].map((f) => path.relative(process.cwd(), f) || f).join(' -> ')}`);
  }
  const own = readYamlFile(absolute);
  const { extends: parents, ...rest } = own;
  if (parents === undefined) return rest;
  const list = Array.isArray(parents) ? parents : [parents];
  let merged: Raw = {};
  for (const parent of list) {
    if (typeof parent !== 'string') throw new UserError(`config error in ${file}: extends: expected a file path or a list of paths`);
    merged = deepMerge(merged, readConfigTree(path.resolve(path.dirname(absolute), parent), [...chain, absolute]));
  }
  return deepMerge(merged, rest);
}

/** Command-line flags that override the file. */
export interface ConfigOverrides {
  epochs?: number;
  seed?: number;
  backend?: string;
  /** false from --no-native; the verbs pass undefined without the flag, so the file's value stands. */
  native?: boolean;
  out?: string;
}

export function applyOverrides(raw: Raw, overrides: ConfigOverrides): Raw {
  const patch: Raw = {};
  if (overrides.epochs !== undefined) patch.training = { epochs: overrides.epochs };
  if (overrides.seed !== undefined) patch.seed = overrides.seed;
  if (overrides.backend !== undefined) patch.backend = overrides.backend;
  if (overrides.native !== undefined) patch.native = overrides.native;
  if (overrides.out !== undefined) patch.output = overrides.out;
  return deepMerge(raw, patch);
}

export function loadConfig(file: string, overrides: ConfigOverrides = {}): ExperimentConfig {
  const config = validateConfig(applyOverrides(readConfigTree(file), overrides), file);
  checkConfigRules(config, file);
  return resolveDatasetDefaults(config);
}

/** The fully resolved config as YAML (saved beside every run). */
export function configToYaml(config: ExperimentConfig): string {
  return YAML.stringify(config);
}
