// Checking our numbers against PyTorch: a Python with the modules a reference needs, a folder through
// which the tensors travel (raw little-endian float32 files and a JSON manifest each way), and a
// comparison that lists every quantity that differs before it fails.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';

/** The first Python that imports `module`: $GRIDMIX_PYTHON, python3 on the PATH, Debian's python3. */
export function findPython(module: string): string | undefined {
  return [process.env.GRIDMIX_PYTHON, 'python3', '/usr/bin/python3']
    .filter((candidate): candidate is string => Boolean(candidate))
    .find((candidate) => spawnSync(candidate, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0);
}

export interface TensorEntry {
  name: string;
  file: string;
  shape: number[];
}

/** What the reference wrote back: per key, its file and how far PyTorch's own float32 lands from its float64. */
type ReferenceManifest = Record<string, { file: string; float32Error: number }>;

export class TensorExchange {
  readonly folder = mkdtempSync(join(tmpdir(), 'gridmix-torch-'));
  private count = 0;

  async write(name: string, tensor: tf.Tensor): Promise<TensorEntry> {
    const file = `ours-${this.count++}.bin`;
    const values = Float32Array.from(await tensor.data());
    writeFileSync(join(this.folder, file), Buffer.from(values.buffer));
    return { name, file, shape: tensor.shape };
  }

  writeCase(content: object): void {
    writeFileSync(join(this.folder, 'case.json'), JSON.stringify(content));
  }

  /** Runs `python script folder`; the script writes torch.json and its tensors into the folder. */
  runReference(python: string, script: string): ReferenceValues {
    const run = spawnSync(python, [script, this.folder], { encoding: 'utf8' });
    assert.equal(run.status, 0, `${script}: ${run.stderr}`);
    return new ReferenceValues(this.folder, JSON.parse(readFileSync(join(this.folder, 'torch.json'), 'utf8')) as ReferenceManifest);
  }

  dispose(): void {
    rmSync(this.folder, { recursive: true, force: true });
  }
}

export class ReferenceValues {
  constructor(private readonly folder: string, private readonly manifest: ReferenceManifest) {}

  keys(): string[] {
    return Object.keys(this.manifest);
  }

  values(key: string): Float32Array {
    const entry = this.manifest[key];
    assert.ok(entry, `the reference wrote no ${key}`);
    const bytes = readFileSync(join(this.folder, entry.file));
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  }

  float32Error(key: string): number {
    return this.manifest[key].float32Error;
  }
}

/** The worst error relative to the reference's largest magnitude (Infinity when the sizes differ). */
export function relativeError(ours: ArrayLike<number>, theirs: ArrayLike<number>): number {
  if (ours.length !== theirs.length) return Infinity;
  let scale = 1e-6;
  for (let i = 0; i < theirs.length; i++) scale = Math.max(scale, Math.abs(theirs[i]));
  let worst = 0;
  for (let i = 0; i < theirs.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]) / scale);
  return worst;
}

/**
 * Compares every quantity, then fails once listing all that differ (the first mismatch alone rarely
 * tells where). Our float32 against PyTorch's float64: within `tolerance`, or within `float32Slack`
 * times what PyTorch's own float32 misses by.
 */
export class Comparison {
  private readonly failures: string[] = [];
  readonly worst = new Map<string, number>();

  constructor(private readonly tolerance = 2e-3, private readonly float32Slack = 3) {}

  check(what: string, ours: ArrayLike<number>, theirs: ArrayLike<number>, torchFloat32Error: number): void {
    const error = relativeError(ours, theirs);
    this.worst.set(what, error);
    const allowed = Math.max(this.tolerance, this.float32Slack * torchFloat32Error);
    if (!(error <= allowed)) {
      this.failures.push(`${what}: relative error ${error.toExponential(2)} (PyTorch float32: ${torchFloat32Error.toExponential(2)})`);
    }
  }

  /** Ours against the reference's value under the same key. */
  checkKey(key: string, ours: ArrayLike<number>, reference: ReferenceValues): void {
    this.check(key, ours, reference.values(key), reference.float32Error(key));
  }

  assertAllClose(against: string): void {
    assert.deepEqual(this.failures, [], `differs from ${against}:\n${this.failures.join('\n')}`);
  }
}
