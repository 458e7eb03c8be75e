// A backbone job runs in its own process; one that fails becomes a skipped record naming the cause,
// and the bench goes on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runJobInChild } from '../../src/bench/child-job';
import type { BenchRecord } from '../../src/bench/records';
import { benchSettings } from '../../src/bench/settings';

describe('runJobInChild', () => {
  it('turns a child that fails into a skipped record with its last error line', async () => {
    const records: BenchRecord[] = [];
    const progress: string[] = [];
    await runJobInChild({ kind: 'steps', backbone: 'no_such_net', inputSize: 32, numClasses: 10, probeFirst: false }, 'cpu', {
      settings: benchSettings({ quick: true, iterations: 1, batchSize: 2 }),
      emit: (r) => records.push(r),
      progress: (line) => progress.push(line),
    });
    assert.equal(records.length, 1);
    const [skipped] = records;
    assert.equal(skipped.kind, 'skipped');
    assert.ok(skipped.kind === 'skipped' && /exit code 1.*unknown backbone "no_such_net"/.test(skipped.reason), JSON.stringify(skipped));
  });

  it('passes on the records of a job that succeeds', async () => {
    const records: BenchRecord[] = [];
    await runJobInChild({ kind: 'steps', backbone: 'resnet20', inputSize: 32, numClasses: 10, probeFirst: false }, 'wasm', {
      settings: benchSettings({ quick: true, iterations: 1, batchSize: 2 }),
      emit: (r) => records.push(r),
      progress: () => undefined,
    });
    assert.deepEqual(records.map((r) => r.kind === 'train-step' && `${r.backbone} ${r.local_head} ${r.batch_size}`), ['resnet20 true 2', 'resnet20 false 2']);
  });
});
