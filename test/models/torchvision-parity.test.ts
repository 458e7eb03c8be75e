// Our networks against torchvision's, number for number: the same weights (ours, converted to
// PyTorch's layout), the same input; eval logits, the local head's cell logits, train-mode logits,
// running statistics after one training forward, and the gradient of the cross-entropy with respect
// to every parameter. Parameter counts cannot see a ReLU in the wrong place or a stride on the wrong
// conv; this can. Opt-in (a few minutes on 2 cores): GRIDMIX_TORCH_PARITY=1 and a python3 with
// torchvision (Debian: python3-torchvision; GRIDMIX_PYTHON picks the interpreter).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/engine/rng';
import { createModel, type BackboneName } from '../../src/models/registry';
import { VGG_LAYERS } from '../../src/models/vgg';
import { useBackend } from '../helpers/backend';
import { feedsBatchNorm, seededBatch } from './model-harness';

const REFERENCE = join(__dirname, '..', '..', '..', 'test', 'models', 'torchvision_reference.py');
const requested = process.env.GRIDMIX_TORCH_PARITY === '1';
/** The first Python that has torchvision: $GRIDMIX_PYTHON, python3 on the PATH, Debian's python3. */
const python = requested
  ? [process.env.GRIDMIX_PYTHON, 'python3', '/usr/bin/python3']
      .filter((candidate): candidate is string => Boolean(candidate))
      .find((candidate) => spawnSync(candidate, ['-c', 'import torchvision'], { stdio: 'ignore' }).status === 0)
  : undefined;
const skip = !requested ? 'opt-in: GRIDMIX_TORCH_PARITY=1' : python ? false : 'no python3 with torchvision (set GRIDMIX_PYTHON)';

interface ParityCase {
  backbone: BackboneName;
  inputSize: number;
  widthScale?: number;
  /** What the Python side builds: a torchvision ResNet, or torchvision's VGG layers with the given head. */
  torch: 'resnet18' | 'resnet50' | 'resnext50_32x4d' | 'vgg';
  vggLayers?: readonly (number | 'M')[];
  mlpHidden?: number;
}

const scaled = (layers: readonly (number | 'M')[], scale: number) => layers.map((c) => (c === 'M' ? c : Math.round(c * scale)));

const CASES: ParityCase[] = [
  { backbone: 'resnet18', inputSize: 128, torch: 'resnet18' },
  { backbone: 'resnet18', inputSize: 32, torch: 'resnet18' },
  { backbone: 'resnet50', inputSize: 32, torch: 'resnet50' },
  { backbone: 'resnext50_32x4d', inputSize: 32, torch: 'resnext50_32x4d' },
  { backbone: 'vgg11_bn', inputSize: 128, widthScale: 1 / 16, torch: 'vgg', vggLayers: scaled(VGG_LAYERS.vgg11, 1 / 16), mlpHidden: 256 },
  { backbone: 'vgg19_bn', inputSize: 64, widthScale: 1 / 8, torch: 'vgg', vggLayers: scaled(VGG_LAYERS.vgg19, 1 / 8) },
  { backbone: 'vgg_small', inputSize: 32, torch: 'vgg', vggLayers: VGG_LAYERS.small },
];
const CLASSES = 5;
const GRID = 3;
/**
 * Batch statistics of 2 samples on a 4x4 map leave channels with almost no variance, and batch norm's
 * gradient then amplifies rounding beyond any fair tolerance (PyTorch's own float32 drifts 4% from
 * float64 there); at 8 samples both frameworks agree with float64.
 */
const BATCH = 8;

/** The worst error relative to the reference's largest magnitude (Infinity when the sizes differ). */
function relativeError(ours: ArrayLike<number>, theirs: ArrayLike<number>): number {
  if (ours.length !== theirs.length) return Infinity;
  let scale = 1e-6;
  for (let i = 0; i < theirs.length; i++) scale = Math.max(scale, Math.abs(theirs[i]));
  let worst = 0;
  for (let i = 0; i < theirs.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]) / scale);
  return worst;
}

/** Our float32 against PyTorch's float64: within 2e-3, or within 3x what PyTorch's own float32 misses by. */
const TOLERANCE = 2e-3;
const FLOAT32_SLACK = 3;

/** Compares every quantity, then fails once listing all that differ (the first mismatch alone rarely tells where). */
class Comparison {
  private readonly failures: string[] = [];

  check(what: string, ours: ArrayLike<number>, theirs: ArrayLike<number>, torchFloat32Error: number): void {
    const error = relativeError(ours, theirs);
    const allowed = Math.max(TOLERANCE, FLOAT32_SLACK * torchFloat32Error);
    if (!(error <= allowed)) {
      this.failures.push(`${what}: relative error ${error.toExponential(2)} (PyTorch float32: ${torchFloat32Error.toExponential(2)})`);
    }
  }

  assertAllClose(): void {
    assert.deepEqual(this.failures, [], `differs from torchvision:\n${this.failures.join('\n')}`);
  }
}

before(async () => {
  await useBackend('wasm');
});

for (const c of CASES) {
  const label = `${c.backbone} at ${c.inputSize} px${c.widthScale ? ` (width x${c.widthScale})` : ''}`;
  test(`${label} computes what torchvision computes`, { skip }, () => {
    const folder = mkdtempSync(join(tmpdir(), 'gridmix-parity-'));
    const model = createModel(c.backbone, { numClasses: CLASSES, inputSize: c.inputSize, inChannels: 3, localHead: true, widthScale: c.widthScale, seed: 11 });
    const batch = seededBatch(new Rng(12), BATCH, c.inputSize, 3, CLASSES);
    try {
      const files: Array<{ name: string; file: string; shape: number[] }> = [];
      const write = (name: string, tensor: tf.Tensor) => {
        const file = `ours-${files.length}.bin`;
        const values = tensor.dataSync() as Float32Array;
        writeFileSync(join(folder, file), Buffer.from(values.buffer, values.byteOffset, values.byteLength));
        files.push({ name, file, shape: tensor.shape });
        return files[files.length - 1];
      };
      for (const p of [...model.parameters(), ...model.buffers()]) write(p.name, p.variable);
      const input = write('input', batch.x);
      const featureChannels = model.architecture.features.reduce((shape, layer) => layer.outputShape(shape), model.architecture.inputShape)[2];
      writeFileSync(
        join(folder, 'case.json'),
        JSON.stringify({
          ...c,
          numClasses: CLASSES,
          inChannels: 3,
          grid: GRID,
          labels: Array.from(batch.labels.dataSync()),
          tensors: files.filter((f) => f.name !== 'input'),
          input,
          mlpPoolShape: c.mlpHidden ? [7, 7, featureChannels] : undefined,
        }),
      );
      const run = spawnSync(python!, [REFERENCE, folder], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const manifest = JSON.parse(readFileSync(join(folder, 'torch.json'), 'utf8')) as Record<string, { file: string; float32Error: number }>;
      const comparison = new Comparison();
      const bufferNames = new Set(model.buffers().map((b) => b.name));
      const compare = (key: string, ours: ArrayLike<number>) => {
        const bytes = readFileSync(join(folder, manifest[key].file));
        const theirs = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        comparison.check(key, ours, theirs, manifest[key].float32Error);
      };

      tf.tidy(() => {
        const out = model.forward(batch.x, { training: false, grid: GRID });
        compare('eval_logits', out.logits.dataSync());
        compare('cell_logits', out.cellLogits!.dataSync());
      });
      // Training mode draws dropout masks in torchvision's VGG MLP: no two frameworks share them.
      if (!c.mlpHidden) tf.tidy(() => {
        const params = model.parameters().filter((p) => !p.name.startsWith('local_head.'));
        let trainLogits: tf.Tensor | undefined;
        const { grads } = tf.variableGrads(() => {
          const logits = model.forward(batch.x, { training: true }).logits;
          trainLogits = tf.keep(logits);
          return tf.losses.softmaxCrossEntropy(tf.oneHot(batch.labels, CLASSES), logits) as tf.Scalar;
        }, params.map((p) => p.variable));
        compare('train_logits', trainLogits!.dataSync());
        trainLogits!.dispose();
        for (const p of params) {
          // Zero by construction (the batch mean takes the bias away): both sides hold rounding noise.
          if (!feedsBatchNorm(p.name, bufferNames)) compare(`grad:${p.name}`, grads[p.variable.name].dataSync());
        }
        for (const b of model.buffers()) compare(`buffer:${b.name}`, b.variable.dataSync());
      });
      comparison.assertAllClose();
    } finally {
      model.dispose();
      tf.dispose([batch.x, batch.labels]);
      rmSync(folder, { recursive: true, force: true });
    }
  });
}
