// The layers' contracts that the backbone suite cannot see: batch norm's running averages (PyTorch's
// momentum 0.1 and unbiased batch variance), the local head's pooling and 1x1 conv, torchvision's
// initialisation, and seeded dropout in the ImageNet VGG head.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/engine/rng';
import { adaptiveBins } from '../../src/engine/ops/pooling';
import { BatchNorm2d, Conv2d } from '../../src/models/primitive-layers';
import { LocalHead } from '../../src/models/heads';
import { pytorchLinearInit } from '../../src/models/builder-args';
import { createModel } from '../../src/models/registry';
import { useBackend } from '../helpers/backend';

before(async () => {
  await useBackend('wasm');
});

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

test('batch norm: running mean and variance move by momentum 0.1 towards the batch mean and unbiased variance', () => {
  const bn = new BatchNorm2d('bn', 2);
  [bn.weight, bn.bias, bn.runningMean, bn.runningVar].forEach((p) => p.allocate(new Rng(0)));
  // Channel 0 takes 1..8, channel 1 takes 10, 20, ..., 80 over a [2, 2, 2, 2] batch.
  const values = Array.from({ length: 8 }, (_, i) => [i + 1, 10 * (i + 1)]).flat();
  const x = tf.tensor4d(values, [2, 2, 2, 2]);
  const stats = (channel: number) => {
    const xs = values.filter((_, i) => i % 2 === channel);
    const mean = xs.reduce((a, b) => a + b) / xs.length;
    const unbiased = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
    return { mean, unbiased };
  };
  try {
    tf.tidy(() => {
      bn.forward(x, { training: true, rng: new Rng(0) });
    });
    const [s0, s1] = [stats(0), stats(1)];
    assertClose(bn.runningMean.value.dataSync(), [0.1 * s0.mean, 0.1 * s1.mean], 1e-5, 'running_mean');
    assertClose(bn.runningVar.value.dataSync(), [0.9 + 0.1 * s0.unbiased, 0.9 + 0.1 * s1.unbiased], 1e-5, 'running_var');
    // Inference normalises with those running statistics, not the batch's.
    const y = tf.tidy(() => bn.forward(x, { training: false, rng: new Rng(0) }).dataSync());
    const rm = bn.runningMean.value.dataSync();
    const rv = bn.runningVar.value.dataSync();
    assertClose(y, values.map((v, i) => (v - rm[i % 2]) / Math.sqrt(rv[i % 2] + 1e-5)), 1e-4, 'inference output');
  } finally {
    x.dispose();
    [bn.weight, bn.bias, bn.runningMean, bn.runningVar].forEach((p) => p.dispose());
  }
});

test('local head: cell (i, j) is the 1x1 conv of the PyTorch adaptive-average bin (i, j), for any N', () => {
  const [h, w, c, k] = [5, 5, 3, 2];
  const head = new LocalHead(c, k, pytorchLinearInit);
  head.parameters().forEach((p) => p.allocate(new Rng(1)));
  const rng = new Rng(2);
  const features = Array.from({ length: h * w * c }, () => rng.normal());
  const x = tf.tensor4d(features, [1, h, w, c]);
  const [weight, bias] = head.parameters().map((p) => p.value.dataSync());
  try {
    for (const grid of [1, 2, 3, 5, 7]) {
      const cells = tf.tidy(() => head.forward(x, grid).dataSync());
      const expected: number[] = [];
      const rows = adaptiveBins(h, grid);
      const cols = adaptiveBins(w, grid);
      for (const [r0, r1] of rows) {
        for (const [c0, c1] of cols) {
          const pooled = Array.from({ length: c }, (_, ch) => {
            let sum = 0;
            for (let r = r0; r < r1; r++) for (let q = c0; q < c1; q++) sum += features[(r * w + q) * c + ch];
            return sum / ((r1 - r0) * (c1 - c0));
          });
          for (let out = 0; out < k; out++) expected.push(bias[out] + pooled.reduce((s, v, ch) => s + v * weight[ch * k + out], 0));
        }
      }
      assertClose(cells, expected, 1e-4, `grid ${grid}`);
    }
  } finally {
    x.dispose();
    head.parameters().forEach((p) => p.dispose());
  }
});

test('initialisation as torchvision: kaiming normal (fan_out) convs, BN 1/0, VGG linear N(0, 0.01), ResNet fc uniform', () => {
  const stats = (data: ArrayLike<number>) => {
    const values = Array.from(data);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    return { mean, std, max: values.reduce((a, b) => Math.max(a, Math.abs(b)), 0) };
  };
  const conv = new Conv2d('conv', { inChannels: 64, outChannels: 128, kernelSize: 3 });
  conv.weight.allocate(new Rng(3));
  const convStats = stats(conv.weight.value.dataSync());
  assert.ok(Math.abs(convStats.mean) < 0.002);
  assert.ok(Math.abs(convStats.std / Math.sqrt(2 / (9 * 128)) - 1) < 0.02, `conv std ${convStats.std}`);
  conv.weight.dispose();

  const vgg = createModel('vgg_small', { numClasses: 10, inputSize: 32, inChannels: 3, localHead: false, seed: 4 });
  const resnet = createModel('resnet20', { numClasses: 10, inputSize: 32, inChannels: 3, localHead: false, seed: 4 });
  try {
    const byName = (m: typeof vgg, name: string) => m.parameters().find((p) => p.name === name)!.variable.dataSync();
    assert.ok(Math.abs(stats(byName(vgg, 'classifier.weight')).std - 0.01) < 0.001);
    assert.deepEqual(Array.from(new Set(byName(vgg, 'classifier.bias'))), [0]);
    assert.deepEqual(Array.from(new Set(byName(vgg, 'features.0.bias'))), [0]);
    assert.deepEqual(Array.from(new Set(byName(vgg, 'features.1.weight'))), [1]);
    assert.deepEqual(Array.from(new Set(byName(vgg, 'features.1.bias'))), [0]);
    const fc = stats(byName(resnet, 'fc.weight'));
    assert.ok(fc.max <= 1 / Math.sqrt(64) && fc.max > 0.9 / Math.sqrt(64), `fc bound ${fc.max}`);
    const runningVar = resnet.buffers().find((b) => b.name === 'bn1.running_var')!;
    assert.deepEqual(Array.from(new Set(runningVar.variable.dataSync())), [1]);
    assert.ok(resnet.parameters().every((p) => p.variable.trainable) && resnet.buffers().every((b) => !b.variable.trainable));
  } finally {
    vgg.dispose();
    resnet.dispose();
  }
});

test('parameter names follow torchvision and kinds separate weights, biases and batch norm', () => {
  const model = createModel('resnet50', { numClasses: 5, inputSize: 32, inChannels: 3, localHead: true, widthScale: 1 / 16 });
  try {
    const names = model.parameters().map((p) => p.name);
    for (const name of ['conv1.weight', 'bn1.weight', 'layer1.0.conv3.weight', 'layer1.0.downsample.0.weight', 'layer4.2.bn3.bias', 'fc.weight', 'fc.bias', 'local_head.weight', 'local_head.bias']) {
      assert.ok(names.includes(name), name);
    }
    const kindOf = (name: string) => model.parameters().find((p) => p.name === name)!.kind;
    assert.deepEqual(['conv1.weight', 'bn1.weight', 'fc.bias', 'local_head.weight'].map(kindOf), ['weight', 'bn', 'bias', 'weight']);
    assert.deepEqual(model.buffers().slice(0, 2).map((b) => b.name), ['bn1.running_mean', 'bn1.running_var']);
  } finally {
    model.dispose();
  }
});

test('ImageNet variants run: torchvision stems and VGG MLP head at 224 px, dropout drawn from the given Rng', () => {
  const vgg = createModel('vgg11_bn', { numClasses: 6, inputSize: 224, inChannels: 3, localHead: true, widthScale: 1 / 16 });
  const resnet = createModel('resnet18', { numClasses: 6, inputSize: 224, inChannels: 3, localHead: true, widthScale: 1 / 16 });
  const x = tf.tidy(() => tf.tensor4d(new Float32Array(224 * 224 * 3).map((_, i) => Math.sin(i)), [1, 224, 224, 3]));
  try {
    tf.tidy(() => {
      const out = vgg.forward(x, { training: false, grid: 4 });
      assert.deepEqual(out.features.shape, [1, 14, 14, 32]);
      assert.deepEqual(out.logits.shape, [1, 6]);
      assert.deepEqual(out.cellLogits?.shape, [1, 4, 4, 6]);
      const r = resnet.forward(x, { training: false, grid: 4 });
      assert.deepEqual(r.features.shape, [1, 7, 7, 32]);
      assert.deepEqual(r.cellLogits?.shape, [1, 4, 4, 6]);
      const train = (seed: number) => vgg.forward(x, { training: true, rng: new Rng(seed) }).logits.dataSync();
      assert.deepEqual(train(1), train(1));
      assert.notDeepEqual(train(1), train(2));
    });
  } finally {
    vgg.dispose();
    resnet.dispose();
    x.dispose();
  }
});

test('CAM weights: f_g of a GAP + linear head is the mean of the class activation maps', () => {
  const model = createModel('vgg16_gap', { numClasses: 4, inputSize: 32, inChannels: 3, localHead: false, widthScale: 1 / 16 });
  const x = tf.tidy(() => tf.tensor4d(new Float32Array(2 * 32 * 32 * 3).map((_, i) => Math.cos(i)), [2, 32, 32, 3]));
  try {
    const weights = model.camWeights();
    assert.ok(weights);
    tf.tidy(() => {
      const { logits, features } = model.forward(x, { training: false });
      const [b, h, w, c] = features.shape;
      const cams = tf.reshape(tf.matMul(tf.reshape(features, [b * h * w, c]), weights), [b, h, w, 4]);
      const bias = model.parameters().find((p) => p.name === 'classifier.bias')!.variable;
      assertClose(tf.add(tf.mean(cams, [1, 2]), bias).dataSync(), logits.dataSync(), 1e-4, 'logits from CAMs');
    });
    const vgg19 = createModel('vgg19_bn', { numClasses: 4, inputSize: 32, inChannels: 3, localHead: false, widthScale: 1 / 16 });
    assert.equal(vgg19.camWeights(), undefined);
    vgg19.dispose();
  } finally {
    model.dispose();
    x.dispose();
  }
});
