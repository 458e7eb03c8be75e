// Float64 forwards of the engine's ops, as plain loops from the definitions (convolution and batch
// norm come with their closed-form gradients from test/engine/native-reference.ts), and gradients
// by central finite differences of those forwards, in float64. No tfjs backend is the reference:
// tfjs's cpu and wasm AvgPoolGrad are wrong at 'same' borders where windows overlap.
import { adaptiveBins } from '../../src/engine/ops/pooling';
import type { Padding } from '../../src/engine/ops';
import { window1d } from '../engine/native-reference';

export type Forward64 = (inputs: Float64Array[]) => Float64Array[];

/** y = op(x) over NHWC windows: `reduce` gets the in-image values of one window and the window's full cell count. */
function pool64(
  x: Float64Array, [b, h, w, c]: number[], size: number, stride: number, pad: Padding,
  reduce: (values: number[], windowCells: number) => number,
): Float64Array {
  const rows = window1d(h, size, stride, pad);
  const cols = window1d(w, size, stride, pad);
  const y = new Float64Array(b * rows.out * cols.out * c);
  for (let n = 0; n < b; n++) {
    for (let oy = 0; oy < rows.out; oy++) {
      for (let ox = 0; ox < cols.out; ox++) {
        for (let ch = 0; ch < c; ch++) {
          const values: number[] = [];
          for (let i = 0; i < size; i++) {
            const iy = oy * stride + i - rows.before;
            if (iy < 0 || iy >= h) continue;
            for (let j = 0; j < size; j++) {
              const ix = ox * stride + j - cols.before;
              if (ix >= 0 && ix < w) values.push(x[((n * h + iy) * w + ix) * c + ch]);
            }
          }
          y[((n * rows.out + oy) * cols.out + ox) * c + ch] = reduce(values, size * size);
        }
      }
    }
  }
  return y;
}

/** Max over the in-image cells (padding never wins: -Infinity padding). */
export function maxPool64(x: Float64Array, shape: number[], size: number, stride: number, pad: Padding): Float64Array {
  return pool64(x, shape, size, stride, pad, (v) => Math.max(...v));
}

/** A numeric pad counts its zeros in the mean (PyTorch); 'same'/'valid' average the in-image cells (TensorFlow). */
export function avgPool64(x: Float64Array, shape: number[], size: number, stride: number, pad: Padding): Float64Array {
  return pool64(x, shape, size, stride, pad, (v, cells) => v.reduce((a, b) => a + b, 0) / (typeof pad === 'number' ? cells : v.length));
}

export function adaptiveAvgPool64(x: Float64Array, [b, h, w, c]: number[], outH: number, outW: number): Float64Array {
  const y = new Float64Array(b * outH * outW * c);
  const rowBins = adaptiveBins(h, outH);
  const colBins = adaptiveBins(w, outW);
  for (let n = 0; n < b; n++) {
    rowBins.forEach(([r0, r1], i) => colBins.forEach(([c0, c1], j) => {
      for (let ch = 0; ch < c; ch++) {
        let sum = 0;
        for (let r = r0; r < r1; r++) for (let q = c0; q < c1; q++) sum += x[((n * h + r) * w + q) * c + ch];
        y[((n * outH + i) * outW + j) * c + ch] = sum / ((r1 - r0) * (c1 - c0));
      }
    }));
  }
  return y;
}

/**
 * d(sum(f(x)[0] * u))/d(input k), element by element, by central differences in float64. Points
 * where f has a kink (ReLU at 0, tied maxima) have no derivative: there the one-sided differences
 * disagree, and the element is returned as NaN (the caller skips it and counts how many).
 */
export function finiteDifferences(f: Forward64, inputs: Float64Array[], u: Float64Array, k: number, step = 1e-5): Float64Array {
  const objective = (xs: Float64Array[]) => {
    const y = f(xs)[0];
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * u[i];
    return s;
  };
  const centre = objective(inputs);
  const grad = new Float64Array(inputs[k].length);
  for (let i = 0; i < grad.length; i++) {
    const original = inputs[k][i];
    inputs[k][i] = original + step;
    const plus = objective(inputs);
    inputs[k][i] = original - step;
    const minus = objective(inputs);
    inputs[k][i] = original;
    const forward = (plus - centre) / step;
    const backward = (centre - minus) / step;
    const tolerance = 1e-4 * (1 + Math.abs(forward) + Math.abs(backward));
    grad[i] = Math.abs(forward - backward) > tolerance ? NaN : (plus - minus) / (2 * step);
  }
  return grad;
}
