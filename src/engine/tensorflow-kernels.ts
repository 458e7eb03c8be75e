// Whether the engine's ops should use TensorFlow's own gradient kernels. On the `tensorflow`
// backend (tfjs-node: libtensorflow's oneDNN or CUDA kernels) Conv2DBackpropInput/Filter and
// MaxPoolGrad are native, fast and correct, so the gradients gridmix writes for wasm (convolution
// gradients as forward convolutions of dilated tensors, max-pool gradients as per-offset masks) only
// add passes there. Measured on a resnet20 GridMix step at batch 128 (2 shared cores, tfjs-node
// with TensorFlow 2.21 CPU): see README, Backends.
import * as tf from '@tensorflow/tfjs';

export function tensorflowGradientsActive(): boolean {
  return tf.getBackend() === 'tensorflow';
}
