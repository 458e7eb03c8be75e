// A WebGPU device error stops the work: provoked here with an invalid buffer request, the error
// Dawn reports only to the device's uncaptured-error handler must make the next tensor read reject
// with a DeviceFailedError, never hand back numbers computed after it. Its own file: the failure
// is latched for the whole process, as it is for a run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { DeviceFailedError, webgpuDevice } from '../../src/engine/webgpu';
import { testBackendStatuses, useBackend } from '../helpers/backend';

test('a webgpu device error makes the next read reject with one line, and every read after it', async (t) => {
  const status = (await testBackendStatuses()).find((s) => s.name === 'webgpu')!;
  if (!status.listed) return t.skip(status.reason);
  await useBackend('webgpu');
  const a = tf.tensor1d([1, 2, 3]);
  assert.deepEqual(Array.from(await tf.add(a, a).data()), [2, 4, 6], 'a read before the error works');
  const device = webgpuDevice() as unknown as { createBuffer(d: { size: number; usage: number }): unknown };
  device.createBuffer({ size: 16, usage: 0 }); // usage 0 is invalid: a validation error nobody captures
  await assert.rejects(tf.add(a, a).data(), (err: unknown) => {
    assert.ok(err instanceof DeviceFailedError, `a ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
    assert.match(err.message, /^webgpu device error.*; stopped \(nothing computed after it was written\)$/);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
  await assert.rejects(tf.mul(a, a).data(), DeviceFailedError, 'the failure stays latched');
});
