import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { readCheckpoint, restoreVariables, saveCheckpoint } from '../../src/train/checkpoint';
import type { NamedVariable } from '../../src/models/model';
import { useBackend } from '../helpers/backend';

function named(name: string, values: number[], shape: number[]): NamedVariable {
  return { name, variable: tf.variable(tf.tensor(values, shape)), kind: 'weight' };
}

test('checkpoint round-trips tensors and metadata; truncation and shape mismatch are caught', async () => {
  await useBackend('cpu');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridmix-ckpt-'));
  const file = path.join(dir, 'last.ckpt');
  const a = named('a', [1, 2, 3, 4, 5, 6], [2, 3]);
  const b = named('b', [7], [1]);
  await saveCheckpoint(file, { epoch: 3, note: 'é' }, [a, b]);
  const back = readCheckpoint<{ epoch: number; note: string }>(file);
  assert.deepEqual(back.meta, { epoch: 3, note: 'é' });
  const a2 = named('a', [0, 0, 0, 0, 0, 0], [2, 3]);
  const b2 = named('b', [0], [1]);
  restoreVariables(back, [a2, b2], file);
  assert.deepEqual([...a2.variable.dataSync()], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...b2.variable.dataSync()], [7]);

  const wrong = named('a', [0, 0, 0], [3]);
  assert.throws(() => restoreVariables(back, [wrong], file), /"a" has shape \[2,3\] but the model has \[3\]/);
  assert.throws(() => restoreVariables(back, [named('c', [0], [1])], file), /has no tensor "c"/);

  const bytes = fs.readFileSync(file);
  fs.writeFileSync(file, bytes.subarray(0, bytes.length - 3));
  assert.throws(() => readCheckpoint(file), /truncated or corrupt/);
  fs.writeFileSync(file, 'garbage');
  assert.throws(() => readCheckpoint(file), /is not a gridmix checkpoint/);
});
