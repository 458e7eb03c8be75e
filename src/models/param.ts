// A parameter known by its name, shape and initialiser before any memory is given to it. Models are
// built as a tree of these first; counting parameters and printing a summary read the shapes only
// (VGG-19 is 143M numbers), and only createModel allocates the variables, drawing every initial
// value from the seeded Rng in declaration order: the same seed gives the same weights.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../engine/rng';
import type { NamedVariable, ParameterKind } from './model';

/** How a parameter's first values are drawn. */
export type Initializer =
  | { kind: 'normal'; std: number }
  | { kind: 'uniform'; bound: number }
  | { kind: 'constant'; value: number };

/**
 * torchvision's convolution init: kaiming_normal_(mode='fan_out', nonlinearity='relu').
 * PyTorch's fan_out of a [Cout, Cin/groups, kh, kw] weight is Cout * kh * kw (groups are not divided out).
 */
export function kaimingNormalFanOut(kernelSize: number, outChannels: number): Initializer {
  return { kind: 'normal', std: Math.sqrt(2 / (kernelSize * kernelSize * outChannels)) };
}

/**
 * PyTorch's default for nn.Linear / nn.Conv2d (kaiming_uniform_ with a = sqrt(5) for the weight,
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias): both reduce to a bound of 1/sqrt(fan_in).
 */
export function pytorchDefaultUniform(fanIn: number): Initializer {
  return { kind: 'uniform', bound: 1 / Math.sqrt(fanIn) };
}

export const zeros: Initializer = { kind: 'constant', value: 0 };
export const ones: Initializer = { kind: 'constant', value: 1 };

/** R: the tensor rank, so layers read a conv filter as a Tensor4D and a bias as a Tensor1D without casts. */
export class Param<R extends tf.Rank = tf.Rank> {
  readonly size: number;
  private variable: tf.Variable<R> | undefined;

  constructor(
    /** Path-like name, unique in the model ("layer1.0.conv1.weight"): the checkpoint key. */
    readonly name: string,
    readonly shape: readonly number[],
    readonly kind: ParameterKind,
    readonly init: Initializer,
    /** false for buffers (batch-norm running statistics): saved, never given to the optimizer. */
    readonly trainable = true,
  ) {
    this.size = shape.reduce((a, b) => a * b, 1);
  }

  get value(): tf.Variable<R> {
    if (!this.variable) throw new Error(`parameter ${this.name} has no memory yet: build the model with createModel`);
    return this.variable;
  }

  /** Gives the parameter memory and its initial values, drawn from rng. */
  allocate(rng: Rng): void {
    if (this.variable) throw new Error(`parameter ${this.name} was allocated twice`);
    const data = initialValues(this.init, this.size, rng);
    // No tf name: tfjs variable names are global to the engine, and two models share ours.
    this.variable = tf.tidy(() => {
      const initial: tf.Tensor = tf.tensor(data, [...this.shape]);
      return tf.variable(initial as tf.Tensor<R>, this.trainable);
    });
  }

  asNamedVariable(): NamedVariable {
    return { name: this.name, variable: this.value, kind: this.kind };
  }

  dispose(): void {
    this.variable?.dispose();
    this.variable = undefined;
  }
}

/** How many numbers the parameters hold. */
export function parameterCount(params: readonly Param[]): number {
  return params.reduce((sum, p) => sum + p.size, 0);
}

function initialValues(init: Initializer, size: number, rng: Rng): Float32Array {
  const data = new Float32Array(size);
  switch (init.kind) {
    case 'constant':
      data.fill(init.value);
      break;
    case 'uniform':
      for (let i = 0; i < size; i++) data[i] = (2 * rng.uniform() - 1) * init.bound;
      break;
    case 'normal':
      fillNormal(data, init.std, rng);
      break;
  }
  return data;
}

/** Box-Muller keeping both values of each pair: half the draws of Rng.normal, which matters at 143M. */
function fillNormal(data: Float32Array, std: number, rng: Rng): void {
  for (let i = 0; i < data.length; i += 2) {
    let u = 0;
    while (u === 0) u = rng.uniform();
    const radius = std * Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * rng.uniform();
    data[i] = radius * Math.cos(angle);
    if (i + 1 < data.length) data[i + 1] = radius * Math.sin(angle);
  }
}
