import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learningRate } from '../../src/train/schedule';
import { trainingSchema } from '../../src/config/schema';

test('step schedule multiplies by factor at each milestone', () => {
  const t = trainingSchema.parse({ epochs: 10, optimizer: { lr: 0.1 }, schedule: { type: 'step', milestones: [3, 6], factor: 0.1 } });
  assert.equal(learningRate(t, 0, 0, 10), 0.1);
  assert.equal(learningRate(t, 2, 9, 10), 0.1);
  assert.ok(Math.abs(learningRate(t, 3, 0, 10) - 0.01) < 1e-12);
  assert.ok(Math.abs(learningRate(t, 9, 0, 10) - 0.001) < 1e-12);
});

test('cosine goes from lr to 0 and warm-up ramps linearly', () => {
  const t = trainingSchema.parse({ epochs: 10, optimizer: { lr: 0.2 }, schedule: { type: 'cosine', warmupEpochs: 2 } });
  assert.ok(Math.abs(learningRate(t, 0, 0, 4) - 0.2 / 8) < 1e-12);
  assert.ok(Math.abs(learningRate(t, 1, 3, 4) - 0.2) < 1e-12);
  assert.ok(Math.abs(learningRate(t, 2, 0, 4) - 0.2) < 1e-12);
  assert.ok(Math.abs(learningRate(t, 6, 0, 4) - 0.1) < 1e-12);
  assert.ok(learningRate(t, 9, 3, 4) < 0.01);
});
