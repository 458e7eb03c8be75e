// Our networks against torchvision's, number for number: the same weights (ours, converted to
// PyTorch's layout), the same input; eval logits, the local head's cell logits, train-mode logits,
// running statistics after one training forward, and the gradient of the cross-entropy with respect
// to every parameter. Parameter counts cannot see a ReLU in the wrong place or a stride on the wrong
// conv; this can. Opt-in (a few minutes on 2 cores): GRIDMIX_TORCH_PARITY=1 and a python3 with
// torchvision (Debian: python3-torchvision; GRIDMIX_PYTHON picks the interpreter).
import { before, test } from 'node:test';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/engine/rng';
import { createModel, type BackboneName } from '../../src/models/registry';
import { VGG_LAYERS } from '../../src/models/vgg';
import { useBackend } from '../helpers/backend';
import { feedsBatchNorm, seededBatch } from './model-harness';
import { Comparison, findPython, TensorExchange } from '../helpers/torch';

const REFERENCE = join(__dirname, '..', '..', '..', 'test', 'models', 'torchvision_reference.py');
const requested = process.env.GRIDMIX_TORCH_PARITY === '1';
const python = requested ? findPython('torchvision') : undefined;
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

before(async () => {
  await useBackend('wasm');
});

for (const c of CASES) {
  const label = `${c.backbone} at ${c.inputSize} px${c.widthScale ? ` (width x${c.widthScale})` : ''}`;
  test(`${label} computes what torchvision computes`, { skip }, async () => {
    const exchange = new TensorExchange();
    const model = createModel(c.backbone, { numClasses: CLASSES, inputSize: c.inputSize, inChannels: 3, localHead: true, widthScale: c.widthScale, seed: 11 });
    const batch = seededBatch(new Rng(12), BATCH, c.inputSize, 3, CLASSES);
    try {
      const tensors = [];
      for (const p of [...model.parameters(), ...model.buffers()]) tensors.push(await exchange.write(p.name, p.variable));
      const input = await exchange.write('input', batch.x);
      const featureChannels = model.architecture.features.reduce((shape, layer) => layer.outputShape(shape), model.architecture.inputShape)[2];
      exchange.writeCase({
        ...c,
        numClasses: CLASSES,
        inChannels: 3,
        grid: GRID,
        labels: Array.from(batch.labels.dataSync()),
        tensors,
        input,
        mlpPoolShape: c.mlpHidden ? [7, 7, featureChannels] : undefined,
      });
      const reference = exchange.runReference(python!, REFERENCE);
      const comparison = new Comparison();
      const bufferNames = new Set(model.buffers().map((b) => b.name));
      const compare = (key: string, ours: ArrayLike<number>) => comparison.checkKey(key, ours, reference);

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
      comparison.assertAllClose('torchvision');
    } finally {
      model.dispose();
      tf.dispose([batch.x, batch.labels]);
      exchange.dispose();
    }
  });
}
