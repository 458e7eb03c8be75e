// Seeded test inputs of a few kinds (the same values on every backend).
import { Rng } from '../../src/engine/rng';

export interface InputSpec {
  shape: number[];
  /**
   * 'normal' (default); 'positive': uniform in [0.5, 1.5] (e.g. a batch-norm scale); 'negative':
   * -|normal|; 'relu': max(normal, 0), half of it tied zeros.
   */
  kind?: 'normal' | 'positive' | 'negative' | 'relu';
}

export function seededInputs(specs: InputSpec[], seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return specs.map(({ shape, kind }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return Float32Array.from({ length: size }, () => {
      if (kind === 'positive') return 0.5 + rng.uniform();
      const v = rng.normal();
      if (kind === 'negative') return -Math.abs(v);
      if (kind === 'relu') return Math.max(v, 0);
      return v;
    });
  });
}
