// Parameter counts read from shapes alone (nothing allocated) against torchvision's, and the registry's
// answers to names and sizes it cannot build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/errors';
import { BACKBONE_NAMES } from '../../src/models/registry';
import { countParameters, describeModel, formatModelSummary } from '../../src/models/summary';

const imagenet = (numClasses: number) => ({ numClasses, inputSize: 224, inChannels: 3, localHead: false });

// torchvision 0.14: sum(p.numel() for p in model.parameters()).
const TORCHVISION_COUNTS: Array<[name: string, numClasses: number, count: number]> = [
  ['vgg11_bn', 1000, 132_868_840],
  ['vgg16_bn', 1000, 138_365_992],
  ['vgg19_bn', 1000, 143_678_248],
  ['resnet18', 1000, 11_689_512],
  ['resnet50', 1000, 25_557_032],
  ['resnet101', 1000, 44_549_160],
  ['resnext50_32x4d', 1000, 25_028_904],
  ['resnet50', 200, 23_917_832],
  ['resnext50_32x4d', 200, 23_389_704],
];

for (const [name, numClasses, count] of TORCHVISION_COUNTS) {
  test(`${name} with ${numClasses} classes at 224 px has torchvision's ${count.toLocaleString('en-US')} parameters`, () => {
    assert.equal(countParameters(name, imagenet(numClasses)), count);
  });
}

test('CIFAR ResNet-20 with projection shortcuts has 272,474 parameters for 10 classes (0.27M)', () => {
  assert.equal(countParameters('resnet20', { numClasses: 10, inputSize: 32, inChannels: 3, localHead: false }), 272_474);
});

test('WRN-28-4 on CIFAR-100 has its usual 5.87M parameters', () => {
  assert.equal(countParameters('wrn28_4', { numClasses: 100, inputSize: 32, inChannels: 3, localHead: false }), 5_872_180);
});

test('the local head adds one 1x1 conv: C x K weights and K biases', () => {
  const base = { numClasses: 100, inputSize: 32, inChannels: 3 };
  const without = countParameters('resnet50', { ...base, localHead: false });
  const withHead = countParameters('resnet50', { ...base, localHead: true });
  assert.equal(withHead - without, 2048 * 100 + 100);
});

test('the summary rows add up to the parameter count for every backbone', () => {
  for (const name of BACKBONE_NAMES) {
    const args = { numClasses: 10, inputSize: 32, inChannels: 3, localHead: true };
    const summary = describeModel(name, args, 4);
    const rowTotal = summary.rows.reduce((sum, row) => sum + row.parameters, 0);
    assert.equal(rowTotal, summary.parameters, name);
    assert.equal(summary.parameters, countParameters(name, args), name);
    assert.match(formatModelSummary(summary), new RegExp(`^${name}: input 32x32x3`));
  }
});

test('the input size picks the variant and the last feature map', () => {
  const featureMap = (name: string, inputSize: number, inChannels = 3) =>
    describeModel(name, { numClasses: 10, inputSize, inChannels, localHead: false }).featureShape;
  assert.deepEqual(featureMap('resnet50', 224), [7, 7, 2048]);
  assert.deepEqual(featureMap('resnet50', 64), [8, 8, 2048]);
  assert.deepEqual(featureMap('resnet101', 32), [4, 4, 2048]);
  assert.deepEqual(featureMap('vgg19_bn', 32), [2, 2, 512]);
  assert.deepEqual(featureMap('vgg11_bn', 64), [4, 4, 512]);
  assert.deepEqual(featureMap('vgg16_bn', 224), [14, 14, 512]);
  assert.deepEqual(featureMap('vgg16_gap', 224), [14, 14, 1024]);
  assert.deepEqual(featureMap('resnet20', 28, 1), [7, 7, 64]);
  assert.deepEqual(featureMap('vgg_small', 28, 1), [3, 3, 256]);
  assert.deepEqual(featureMap('wrn28_4', 32), [8, 8, 256]);
  assert.equal(describeModel('vgg19_bn', imagenet(10)).variant, 'imagenet');
  assert.equal(describeModel('vgg19_bn', { ...imagenet(10), inputSize: 64 }).variant, 'small');
});

test('an unknown backbone is a user error that lists the choices', () => {
  assert.throws(
    () => countParameters('resnet1000', imagenet(10)),
    (err: unknown) => err instanceof UserError && err.message === `unknown backbone "resnet1000"; pick one of: ${BACKBONE_NAMES.join(', ')}`,
  );
});

test('an input too small for the network is a user error', () => {
  assert.throws(() => countParameters('vgg19_bn', { ...imagenet(10), inputSize: 16 }), UserError);
  assert.throws(() => countParameters('resnet20', { ...imagenet(0) }), /numClasses must be a positive integer/);
});
