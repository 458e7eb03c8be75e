// gridmix doctor: the CUDA side read from a faked machine (library folders, cudnn_version.h, a fake
// nvidia-smi on PATH), and the real command here: one line per backend and auto's choice, exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { probeCuda, describeArchitectureSupport, type CudaEnvironment } from '../../src/doctor/cuda';
import { describeCuda } from '../../src/doctor/checks';
import { gridmix, tempDir } from '../helpers/cli';

interface FakeMachine {
  libs?: string[];
  cudnnHeader?: [number, number];
  /** nvidia-smi's stdout, or [exit code, message] for a failing one; absent: no nvidia-smi. */
  smi?: string | [number, string];
}

function fakeMachine(spec: FakeMachine): CudaEnvironment {
  const root = tempDir('doctor');
  const lib = path.join(root, 'lib');
  const include = path.join(root, 'include');
  const bin = path.join(root, 'bin');
  for (const dir of [lib, include, bin]) fs.mkdirSync(dir);
  for (const name of spec.libs ?? []) fs.writeFileSync(path.join(lib, name), '');
  if (spec.cudnnHeader) {
    const [major, minor] = spec.cudnnHeader;
    fs.writeFileSync(path.join(include, 'cudnn_version.h'), `#define CUDNN_MAJOR ${major}\n#define CUDNN_MINOR ${minor}\n#define CUDNN_PATCHLEVEL 1\n`);
  }
  if (spec.smi !== undefined) {
    const body = typeof spec.smi === 'string' ? `printf '%s\\n' '${spec.smi}'` : `echo '${spec.smi[1]}'; exit ${spec.smi[0]}`;
    fs.writeFileSync(path.join(bin, 'nvidia-smi'), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }
  return { libraryDirs: [lib], includeDirs: [include], path: bin };
}

test('what tfjs-node-gpu needs, all there, on a GPU its TensorFlow has machine code for', () => {
  const report = probeCuda(fakeMachine({
    libs: ['libcudart.so.11.0', 'libcudart.so.11.2.152', 'libcudnn.so.8', 'libcudnn.so.8.1.1'],
    cudnnHeader: [8, 1],
    smi: 'Tesla T4, 7.5, 535.104.05',
  }));
  assert.equal(report.cudart.version, '11.2');
  assert.equal(report.cudart.usable, true);
  assert.equal(report.cudnn.version, '8.1');
  assert.equal(report.cudnn.usable, true);
  assert.deepEqual(report.gpus, [{ name: 'Tesla T4', computeCapability: 7.5, driver: '535.104.05' }]);
  const described = describeCuda(report);
  assert.equal(described.ok, true, described.text);
  assert.match(described.text, /CUDA runtime 11\.2 \(needs 11\.2, libcudart\.so\.11\.0\); cuDNN 8\.1 \(needs 8\.1, libcudnn\.so\.8\); GPU Tesla T4, driver 535\.104\.05: compute capability 7\.5: TensorFlow 2\.9\.1 has machine code for 7\.5/);
});

test('a Hopper GPU with CUDA 12 and cuDNN 9: every mismatch is named', () => {
  const report = probeCuda(fakeMachine({
    libs: ['libcudart.so.12', 'libcudart.so.12.4.127', 'libcudnn.so.9', 'libcudnn.so.9.1.0'],
    smi: 'NVIDIA H100 80GB HBM3, 9.0, 550.54.15\nNVIDIA H100 80GB HBM3, 9.0, 550.54.15',
  }));
  assert.equal(report.cudart.version, '12.4');
  assert.equal(report.cudart.usable, false);
  assert.equal(report.cudnn.version, '9.1');
  assert.equal(report.gpus?.length, 2);
  const described = describeCuda(report);
  assert.equal(described.ok, false);
  assert.match(described.text, /CUDA runtime 12\.4 \(needs 11\.2/);
  assert.match(described.text, /cuDNN 9\.1 \(needs 8\.1/);
  assert.match(described.text, /compute capability 9\.0 is newer than TensorFlow 2\.9\.1 and CUDA 11\.2 know/);
});

test('no GPU: no nvidia-smi, or one that cannot reach the driver', () => {
  assert.match(describeCuda(probeCuda(fakeMachine({}))).text, /CUDA runtime none found .*cuDNN none found .*GPU: no nvidia-smi on PATH/);
  const failing = describeCuda(probeCuda(fakeMachine({ smi: [9, "NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver."] })));
  assert.equal(failing.ok, false);
  assert.match(failing.text, /GPU: nvidia-smi found none \(NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver\.\)/);
});

test('compute capabilities against TensorFlow 2.9.1 (sm_35 .. sm_75 machine code, compute_80 PTX)', () => {
  assert.equal(describeArchitectureSupport(3.0).known, false);
  assert.match(describeArchitectureSupport(6.1).text, /machine code for 6\.0/);
  assert.equal(describeArchitectureSupport(8.0).known, true);
  assert.equal(describeArchitectureSupport(8.9).known, false);
});

test('gridmix doctor: one line per backend, then what auto takes; exit 0', () => {
  const r = gridmix(['doctor']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(lines.map((l) => l.split(' ')[0]), ['tensorflow-gpu', 'webgpu', 'wasm+onednn', 'tensorflow', 'wasm', 'cpu', 'auto']);
  for (const line of lines.slice(0, -1)) {
    assert.match(line, / (available|NOT available): /);
    if (line.includes('NOT available')) assert.match(line, / — fix: \S/, line);
  }
  assert.match(lines.find((l) => l.startsWith('cpu '))!, /available: pure JavaScript/);
  assert.match(lines.at(-1)!, /^auto +would take \S/);
});
