// Class activation maps (Zhou et al. 2016) for a batch, in tensor ops: the last conv feature map
// weighted by the classifier's weights of one class per image, up-sampled to the image and
// min-max normalised to [0, 1] per image. The bias is left out, as in CAM (it shifts the map by a
// constant, which the normalisation removes anyway).
import * as tf from '@tensorflow/tfjs';

/**
 * features [B, h, w, C], camWeights [C, K], classes [B] int32 (one class per image) -> [B, H, W].
 * Up-sampling is bilinear with half-pixel centres, like cv2.resize in the reference CAM code.
 * A flat map (max == min) normalises to all zeros.
 */
export function classActivationMaps(features: tf.Tensor4D, camWeights: tf.Tensor2D, classes: tf.Tensor1D, height: number, width: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, h, w] = features.shape;
    const maps = classScoreMaps(features, camWeights, classes).reshape([batch, h, w, 1]) as tf.Tensor4D;
    const upsampled = tf.image.resizeBilinear(maps, [height, width], false, true);
    const min = tf.min(upsampled, [1, 2, 3], true);
    const range = tf.sub(tf.max(upsampled, [1, 2, 3], true), min);
    // max(range, tiny) keeps a flat map at 0 instead of 0 / 0.
    const normalised = tf.div(tf.sub(upsampled, min), tf.maximum(range, 1e-12));
    return normalised.reshape([batch, height, width]) as tf.Tensor3D;
  });
}

/**
 * features [B, h, w, C] . camWeights[:, classes[b]] -> [B, h, w], at the feature map's resolution.
 * Its mean over h, w is the class's logit minus its bias (global average pooling commutes with W).
 */
export function classScoreMaps(features: tf.Tensor4D, camWeights: tf.Tensor2D, classes: tf.Tensor1D): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, h, w, channels] = features.shape;
    const perImageWeights = tf.transpose(tf.gather(camWeights, classes, 1)).reshape([batch, channels, 1]); // [B, C, 1]
    return tf.matMul(features.reshape([batch, h * w, channels]), perImageWeights).reshape([batch, h, w]) as tf.Tensor3D;
  });
}
