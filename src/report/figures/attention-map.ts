// Activation-based attention maps (Zagoruyko & Komodakis 2017, "Paying more attention to
// attention"): the last convolutional stage's activations A [B, h, w, C] summed over channels as
// |A|^2, up-sampled to the image and normalised to [0, 1] per image. That is a class activation map
// of A^2 with every channel weighted 1, so it goes through the CAM code itself: the same bilinear
// up-sampling (half-pixel centres) and min-max normalisation as the Table 5 maps.
import * as tf from '@tensorflow/tfjs';
import { classActivationMaps, classScoreMaps } from '../../eval/localization-cam';

/** sum_c A[b, y, x, c]^2 at the feature map's resolution: [B, h, w]. */
export function attentionScores(features: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, , , channels] = features.shape;
    return classScoreMaps(tf.square(features), tf.ones([channels, 1]), tf.zeros([batch], 'int32'));
  });
}

/** The attention map at image resolution, min-max normalised per image: [B, height, width] in [0, 1]. */
export function attentionMaps(features: tf.Tensor4D, height: number, width: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, , , channels] = features.shape;
    return classActivationMaps(tf.square(features), tf.ones([channels, 1]), tf.zeros([batch], 'int32'), height, width);
  });
}
