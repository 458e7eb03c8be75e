// Float64 references for test/engine/native-kernels.test.ts: convolution (strided, padded, grouped)
// and training-mode batch norm, forward and gradients, as plain loops straight from the definitions.
// They share no code with either engine path (not even the padding arithmetic) and round nothing to
// float32, so each path's error against them is its own.
import type { Padding } from '../../src/engine/ops';

export interface ConvSpec {
  batch: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  k: number;
  stride: number;
  pad: Padding;
  groups: number;
}

/** Output length and padding before, along one axis: TensorFlow's 'same'/'valid', PyTorch's number. */
export function window1d(size: number, k: number, stride: number, pad: Padding): { out: number; before: number } {
  if (pad === 'same') {
    const out = Math.ceil(size / stride);
    return { out, before: Math.floor(Math.max(0, (out - 1) * stride + k - size) / 2) };
  }
  const p = pad === 'valid' ? 0 : pad;
  return { out: Math.floor((size + 2 * p - k) / stride) + 1, before: p };
}

export function convOutputShape(c: ConvSpec): [number, number, number, number] {
  return [c.batch, window1d(c.h, c.k, c.stride, c.pad).out, window1d(c.w, c.k, c.stride, c.pad).out, c.cout];
}

export interface ConvResult {
  y: Float64Array;
  /** d(sum(y * u))/dx and /dw for the upstream gradient u. */
  dx: Float64Array;
  dw: Float64Array;
}

/**
 * NHWC x [B, H, W, Cin], filter [k, k, Cin / groups, Cout] (output channel co belongs to group
 * floor(co / (Cout / groups)), which reads input channels group * Cin / groups ...), upstream u
 * shaped like y. Every product x * w is visited once and feeds y, dx and dw alike.
 */
export function convReference(c: ConvSpec, x: ArrayLike<number>, w: ArrayLike<number>, u: ArrayLike<number>): ConvResult {
  const rows = window1d(c.h, c.k, c.stride, c.pad);
  const cols = window1d(c.w, c.k, c.stride, c.pad);
  const icg = c.cin / c.groups;
  const ocg = c.cout / c.groups;
  const y = new Float64Array(c.batch * rows.out * cols.out * c.cout);
  const dx = new Float64Array(c.batch * c.h * c.w * c.cin);
  const dw = new Float64Array(c.k * c.k * icg * c.cout);
  for (let b = 0; b < c.batch; b++) {
    for (let oy = 0; oy < rows.out; oy++) {
      for (let ox = 0; ox < cols.out; ox++) {
        for (let co = 0; co < c.cout; co++) {
          const yi = ((b * rows.out + oy) * cols.out + ox) * c.cout + co;
          const firstIn = Math.floor(co / ocg) * icg;
          let sum = 0;
          for (let i = 0; i < c.k; i++) {
            const iy = oy * c.stride + i - rows.before;
            if (iy < 0 || iy >= c.h) continue;
            for (let j = 0; j < c.k; j++) {
              const ix = ox * c.stride + j - cols.before;
              if (ix < 0 || ix >= c.w) continue;
              for (let ci = 0; ci < icg; ci++) {
                const xi = ((b * c.h + iy) * c.w + ix) * c.cin + firstIn + ci;
                const wi = ((i * c.k + j) * icg + ci) * c.cout + co;
                sum += x[xi] * w[wi];
                dx[xi] += u[yi] * w[wi];
                dw[wi] += u[yi] * x[xi];
              }
            }
          }
          y[yi] = sum;
        }
      }
    }
  }
  return { y, dx, dw };
}

export interface BatchNormResult64 {
  y: Float64Array;
  mean: Float64Array;
  /** Population variance (divided by N = B*H*W), as used to normalize. */
  variance: Float64Array;
  /** d(sum(y * u))/d(x, gamma, beta). */
  dx: Float64Array;
  dgamma: Float64Array;
  dbeta: Float64Array;
}

/**
 * Training batch norm over [B, H, W] of an NHWC x with C channels, two-pass statistics in float64.
 * Gradients: dbeta = sum(u), dgamma = sum(u * xhat), dx = gamma * rstd * (u - dbeta/N - xhat * dgamma/N).
 */
export function batchNormReference(
  x: ArrayLike<number>, c: number, gamma: ArrayLike<number>, beta: ArrayLike<number>, u: ArrayLike<number>, epsilon: number,
): BatchNormResult64 {
  const n = x.length / c;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let i = 0; i < x.length; i++) mean[i % c] += x[i] / n;
  for (let i = 0; i < x.length; i++) variance[i % c] += (x[i] - mean[i % c]) ** 2 / n;
  const rstd = Float64Array.from(variance, (v) => 1 / Math.sqrt(v + epsilon));
  const xhat = Float64Array.from(x, (v, i) => (v - mean[i % c]) * rstd[i % c]);
  const y = Float64Array.from(xhat, (v, i) => gamma[i % c] * v + beta[i % c]);
  const dgamma = new Float64Array(c);
  const dbeta = new Float64Array(c);
  for (let i = 0; i < x.length; i++) {
    dbeta[i % c] += u[i];
    dgamma[i % c] += u[i] * xhat[i];
  }
  const dx = Float64Array.from(xhat, (v, i) => {
    const ch = i % c;
    return gamma[ch] * rstd[ch] * (u[i] - dbeta[ch] / n - (v * dgamma[ch]) / n);
  });
  return { y, mean, variance, dx, dgamma, dbeta };
}

/**
 * max |actual - expected| / max |expected|: the largest error relative to the tensor's scale (a
 * per-element relative error would blow up on the near-zero outputs every convolution has).
 * Infinity when anything is NaN or the lengths differ; the absolute error if expected is all zeros.
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= worst)) worst = Number.isNaN(diff) ? Infinity : diff;
  }
  return scale === 0 ? worst : worst / scale;
}
