// Schema check with errors flattened to one line: "config error in FILE: key.path: got VALUE; MESSAGE".
import { z } from 'zod';
import { UserError } from '../errors';
import { closest } from './closest';
import { experimentSchema, type ExperimentConfig } from './schema';

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** The schema of the object at `path`, to list (and suggest) its valid keys. */
function objectKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = experimentSchema;
  for (const key of path) {
    while (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) {
      schema = (schema as z.ZodOptional<z.ZodType>).unwrap();
    }
    if (!(schema instanceof z.ZodObject)) return [];
    schema = (schema.shape as Record<string, z.ZodType>)[String(key)];
    if (!schema) return [];
  }
  while (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) {
    schema = (schema as z.ZodOptional<z.ZodType>).unwrap();
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const valid = objectKeysAt(issue.path);
    const key = issue.keys[0];
    const where = path ? `${path}.${key}` : key;
    const hint = closest(key, valid);
    return `${where}: unknown key${hint ? `; did you mean "${hint}"?` : ''} (valid keys: ${valid.join(', ')})`;
  }
  const value = valueAt(raw, issue.path);
  if (value === undefined && issue.code === 'invalid_type') return `${path}: missing (required)`;
  return `${path}: got ${show(value)}; ${issue.message}`;
}

/** Validates a merged raw config; throws a UserError naming the first bad key. */
export function validateConfig(raw: unknown, source: string): ExperimentConfig {
  const result = experimentSchema.safeParse(raw);
  if (result.success) return result.data;
  const first = describeIssue(result.error.issues[0], raw);
  const more = result.error.issues.length > 1 ? ` (+${result.error.issues.length - 1} more)` : '';
  throw new UserError(`config error in ${source}: ${first}${more}`);
}
