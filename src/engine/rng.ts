// The one seeded random source of gridmix. Everything stochastic the project owns (shuffling,
// crops, flips, lambda, masks, pairings) draws from an Rng, never from Math.random or tf.random*,
// so the same seed gives the same run on the same backend, and the state can be checkpointed.
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

type Generator = ReturnType<typeof xoroshiro128plus>;

/** Serializable state of an Rng (goes into checkpoints as JSON). */
export interface RngState {
  generator: number[];
}

export class Rng {
  private gen: Generator;

  constructor(seed: number) {
    this.gen = xoroshiro128plus(seed | 0);
  }

  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.gen = xoroshiro128plusFromState(state.generator);
    return rng;
  }

  getState(): RngState {
    return { generator: [...this.gen.getState()] };
  }

  /** An independent stream derived from this one (e.g. one per data-loader worker or purpose). */
  fork(): Rng {
    return new Rng(this.int(0x7fffffff));
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return uniformFloat64(this.gen);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1)) throw new RangeError(`Rng.int needs n >= 1, got ${n}`);
    return uniformInt(this.gen, 0, n - 1);
  }

  /** Uniform integer in [lo, hi] (both included). */
  intBetween(lo: number, hi: number): number {
    return uniformInt(this.gen, lo, hi);
  }

  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  /** Standard normal (Box-Muller; one value per call keeps the state simple to checkpoint). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** Gamma(shape, 1) by Marsaglia and Tsang (2000); shape < 1 through the boost Gamma(a+1) * U^(1/a). */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new RangeError(`Rng.gamma needs shape > 0, got ${shape}`);
    if (shape < 1) {
      const u = this.uniform();
      return this.gamma(shape + 1) * Math.pow(u === 0 ? Number.MIN_VALUE : u, 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    if (x + y === 0) return this.uniform() < a / (a + b) ? 1 : 0; // both underflowed (tiny alpha)
    return x / (x + y);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = out[i];
      out[i] = out[j];
      out[j] = t;
    }
    return out;
  }

  /** Pick one element of a non-empty array. */
  choice<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}
