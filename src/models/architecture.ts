// A backbone before it has memory: the layers from image to last feature map, f_g, and (when asked
// for) f_l. Builders return this; counting parameters and summaries read it without allocating;
// createModel gives it memory (src/models/backbone.ts).
import type { LocalHead, ClassifierHead } from './heads';
import type { Layer, MapShape } from './layer';
import { shapeThrough } from './primitive-layers';
import type { Param } from './param';

/** Which input adaptation a builder took (see src/models/input-variant.ts). */
export type InputVariant = 'imagenet' | 'small';

export interface Architecture {
  name: string;
  numClasses: number;
  /** [H, W, C] of one input image. */
  inputShape: MapShape;
  variant: InputVariant;
  /** Image -> the last convolutional feature map (read by CAM, attention maps and the local head). */
  features: Layer[];
  /** f_g. */
  classifier: ClassifierHead;
  /** f_l, present only when the config asks for a local loss. */
  localHead?: LocalHead;
}

/** Trainable parameters in declaration order: features, classifier, local head. */
export function architectureParameters(arch: Architecture): Param[] {
  return [...arch.features.flatMap((layer) => layer.parameters()), ...arch.classifier.parameters(), ...(arch.localHead?.parameters() ?? [])];
}

export function architectureBuffers(arch: Architecture): Param[] {
  return arch.features.flatMap((layer) => layer.buffers());
}

/** [h, w, C] of the last feature map for this architecture's input. */
export function featureShape(arch: Architecture): MapShape {
  return shapeThrough(arch.features, arch.inputShape);
}
