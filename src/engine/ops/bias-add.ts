// A per-channel bias added to an NHWC activation (a convolution's bias). The gradient of a
// broadcasting tf.add reduces with tf.sum over [B, H, W], which on wasm first transposes the whole
// activation: in a VGG-small GridMix step at batch 128 those sums took 28 of 125 ms. The bias
// gradient here is the per-channel mean times the count (./channel-mean.ts), about 3x faster.
import * as tf from '@tensorflow/tfjs';
import { channelMean } from './channel-mean';

export function addChannelBias(x: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor4D {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, biasIn] = args as [tf.Tensor4D, tf.Tensor1D];
    const value = tf.add<tf.Tensor4D>(xIn, biasIn);
    const gradFunc = (dy: tf.Tensor4D): tf.Tensor[] => {
      const [b, h, w] = dy.shape;
      return [dy, tf.mul(channelMean(dy), b * h * w)];
    };
    return { value, gradFunc };
  });
  return op(x, bias) as tf.Tensor4D;
}
