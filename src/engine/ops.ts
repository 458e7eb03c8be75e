// The layer ops every model is built from. Models call these, never tf.conv2d & co. directly, so
// that the gradients the wasm backend lacks (or computes slowly) are supplied here, once, for all
// backbones. One file per op family under ./ops/; this module is the only import models need.
export type { Padding } from './ops/padding';
export { conv2d, type Conv2DArgs } from './ops/conv2d';
export { batchNormTrain, batchNormInfer, type BatchNormResult } from './ops/batch-norm';
export { maxPool } from './ops/max-pool';
export { avgPool, adaptiveAvgPool, globalAvgPool } from './ops/pooling';
export { addRelu, relu } from './ops/relu';
export { linear } from './ops/linear';
