// Schema check with errors flattened to one line: "config error in FILE: key.path: got VALUE; MESSAGE".
import { z } from 'zod';
import { UserError } from '../errors';
import { counted } from '../text/plural';
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
  // JSON has no NaN or Infinity (YAML's .nan, .inf): it would print them as null.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a text',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of keys',
};

/**
 * zod's own messages ("Too small: expected number to be >=0") in the words the schema's custom
 * messages use ("expected a number >= 0"); a message the schema wrote itself is kept as it is.
 */
function plainMessage(issue: z.core.$ZodIssue): string {
  if (!/^(Too small|Too big|Invalid input|Invalid option)\b/.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const sign = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      if (issue.origin === 'array') return `expected a list of ${issue.code === 'too_small' ? 'at least' : 'at most'} ${counted(Number(bound), 'entry', 'entries')}`;
      if (issue.origin === 'string') return Number(bound) === 1 && issue.code === 'too_small' ? 'expected a non-empty text' : `expected a text of ${sign} ${bound} characters`;
      return `expected a number ${sign} ${bound}`;
    }
    case 'invalid_type':
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return `expected one of: ${issue.values.map(String).join(', ')}`;
    default:
      return issue.message;
  }
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
  return `${path}: got ${show(value)}; ${plainMessage(issue)}`;
}

/** Validates a merged raw config; throws a UserError naming the first bad key. */
export function validateConfig(raw: unknown, source: string): ExperimentConfig {
  const result = experimentSchema.safeParse(raw);
  if (result.success) return result.data;
  const first = describeIssue(result.error.issues[0], raw);
  const more = result.error.issues.length > 1 ? ` (+${result.error.issues.length - 1} more)` : '';
  throw new UserError(`config error in ${source}: ${first}${more}`);
}
