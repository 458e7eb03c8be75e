import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/rng';

test('same seed, same stream; different seed, different stream', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const xs = Array.from({ length: 20 }, () => a.uniform());
  assert.deepEqual(xs, Array.from({ length: 20 }, () => b.uniform()));
  assert.notDeepEqual(xs, Array.from({ length: 20 }, () => c.uniform()));
});

test('state round-trips: a restored generator continues the same stream', () => {
  const a = new Rng(7);
  for (let i = 0; i < 5; i++) a.uniform();
  const restored = Rng.fromState(JSON.parse(JSON.stringify(a.getState())));
  assert.deepEqual(Array.from({ length: 10 }, () => restored.int(1000)), Array.from({ length: 10 }, () => a.int(1000)));
});

test('permutation is a permutation', () => {
  const perm = new Rng(1).permutation(100);
  assert.deepEqual([...perm].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
});

test('beta(a, a) has mean 1/2 and the right variance; beta(2, 6) mean 1/4', () => {
  const rng = new Rng(3);
  const n = 20000;
  for (const [a, b] of [[1, 1], [0.4, 0.4], [2, 6]]) {
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.beta(a, b);
      assert.ok(x >= 0 && x <= 1);
      sum += x;
      sumSq += x * x;
    }
    const mean = sum / n;
    const variance = sumSq / n - mean * mean;
    const expectedMean = a / (a + b);
    const expectedVar = (a * b) / ((a + b) ** 2 * (a + b + 1));
    assert.ok(Math.abs(mean - expectedMean) < 0.01, `beta(${a},${b}) mean ${mean}`);
    assert.ok(Math.abs(variance - expectedVar) < 0.01, `beta(${a},${b}) variance ${variance}`);
  }
});

test('uniform ints cover the range evenly', () => {
  const rng = new Rng(9);
  const counts = new Array(6).fill(0);
  for (let i = 0; i < 60000; i++) counts[rng.int(6)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 500, `counts ${counts}`);
});
