// `gridmix bench` as a user runs it, on tiny settings: every stdout line of --json is a JSON object
// with the fields its kind promises. Speeds are never asserted (they live in the bench's output).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { countParameters } from '../../src/models/summary';
import { TORCH_PYTHON, TORCH_SCRIPT } from '../../src/bench/torch-reference';
import { gridmix } from '../helpers/cli';
import { defaultWasmId } from '../helpers/native';

const COMMON = ['backend', 'kind'];
const FIELDS: Record<string, string[]> = {
  environment: ['backend_label', 'cores', 'load_average', 'quick', 'sections'],
  mixing: ['method', 'height', 'width', 'channels', 'batch_size', 'ms_per_batch', 'images_per_second'],
  'train-step': ['section', 'backbone', 'method', 'local_head', 'batch_size', 'iterations', 'ms_per_step', 'images_per_second', 'it_per_second', 'parameters'],
  skipped: ['section', 'backbone', 'reason'],
};

describe('gridmix bench --quick --json', () => {
  it('prints one parseable JSON object per measurement line with the expected fields', () => {
    const run = gridmix(['bench', '--quick', '--json', '--iterations', '1', '--batch-size', '4', '--only', 'mixing,steps', '--backend', 'wasm', '--no-native']);
    assert.equal(run.code, 0, run.stderr);
    const records = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const record of records) {
      for (const field of [...COMMON, ...(FIELDS[record.kind as string] ?? [])]) {
        assert.ok(field in record, `${record.kind} record lacks ${field}: ${JSON.stringify(record)}`);
      }
    }
    assert.equal(records[0].kind, 'environment');
    assert.equal(records[0].backend, 'wasm');
    assert.ok(records.filter((r) => r.kind === 'train-step').every((r) => r.backend === 'wasm'), '--no-native reaches the child processes');
    const mixing = records.filter((r) => r.kind === 'mixing');
    assert.equal(mixing.length, 10, 'five methods at two sizes');
    assert.deepEqual([...new Set(mixing.map((r) => r.method))], ['baseline', 'mixup', 'cutmix', 'gridmix N=4', 'gridmix N=random']);
    assert.ok(mixing.filter((r) => r.height === 32).every((r) => typeof r.step_share_percent === 'number'));
    const steps = records.filter((r) => r.kind === 'train-step' && r.section === 'steps');
    assert.deepEqual(steps.map((r) => `${r.backbone} ${r.local_head}`), ['resnet20 true', 'resnet20 false', 'vgg_small true', 'vgg_small false']);
    assert.ok(steps.every((r) => r.batch_size === 4 && r.iterations === 1));
    const resnet20WithHead = steps.find((r) => r.backbone === 'resnet20' && r.local_head)!;
    assert.equal(resnet20WithHead.parameters, countParameters('resnet20', { numClasses: 10, inputSize: 32, inChannels: 3, localHead: true }));
    assert.ok(records.some((r) => r.kind === 'skipped' && r.section === 'steps'), '--quick says what it skipped');
  });

  it('records wasm+onednn for the steps, also in its child processes, where the native kernels were built', () => {
    const run = gridmix(['bench', '--quick', '--json', '--iterations', '1', '--batch-size', '4', '--only', 'steps', '--backend', 'wasm']);
    assert.equal(run.code, 0, run.stderr);
    const records = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(records[0].backend, defaultWasmId());
    const steps = records.filter((r) => r.kind === 'train-step');
    assert.ok(steps.length > 0);
    assert.ok(steps.every((r) => r.backend === defaultWasmId()), JSON.stringify(steps.map((r) => r.backend)));
  });

  it('rejects an unknown section with one line and exit code 1', () => {
    const run = gridmix(['bench', '--only', 'nope']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /not a section/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });

  it('a memory loop too short to compare with step 10 is one line and exit code 1', () => {
    const run = gridmix(['bench', '--memory', '--only', 'memory', '--memory-steps', '5']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^gridmix: --memory-steps: 5 is not allowed/);
  });

  it('an unknown or missing backend is one line and exit code 1', () => {
    for (const backend of ['gpu', 'tensorflow']) {
      const run = gridmix(['bench', '--backend', backend, '--only', 'mixing']);
      if (backend === 'tensorflow' && run.code === 0) continue; // this machine has tfjs-node after all
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /^gridmix: --backend: /);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    }
  });
});

describe('the PyTorch reference', () => {
  const hasTorch = spawnSync(TORCH_PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
  it('builds ResNet-20 with the local head with as many parameters as ours', { skip: hasTorch ? false : 'no python3-torch (apt-get install -y python3-torch)' }, () => {
    const run = spawnSync(TORCH_PYTHON, [TORCH_SCRIPT, '--batch', '2', '--classes', '100', '--warmup', '0', '--iterations', '1'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout.trim()) as { parameters: number; images_per_second: number; local_head: boolean };
    assert.equal(result.local_head, true);
    assert.equal(result.parameters, countParameters('resnet20', { numClasses: 100, inputSize: 32, inChannels: 3, localHead: true }));
    assert.ok(result.images_per_second > 0);
  });
});
