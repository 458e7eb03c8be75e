// Penultimate-layer projections (Müller, Kornblith & Hinton 2019, "When does label smoothing
// help?", Fig. 1; the GridMix paper's Fig. 3): the plane through three classes' templates (their rows
// of the final linear layer's weights), an orthonormal basis of it, and each activation's two
// coordinates in that basis. Plain float64 arithmetic on small vectors.

export interface PlaneBasis {
  /** The templates' centroid: the plot's origin. */
  origin: Float64Array;
  /** Orthonormal directions spanning the plane through the three templates. */
  e1: Float64Array;
  e2: Float64Array;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * The plane through three points of R^D (Gram-Schmidt on t1 - t0 and t2 - t0). Templates that do
 * not span a plane (two equal, or all three on one line) have no such basis: an error says so.
 */
export function planeThrough(templates: readonly [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>]): PlaneBasis {
  const [t0, t1, t2] = templates;
  const d = t0.length;
  if (t1.length !== d || t2.length !== d) throw new Error(`templates of different lengths: ${t0.length}, ${t1.length}, ${t2.length}`);
  const origin = new Float64Array(d);
  const u = new Float64Array(d);
  const v = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    origin[i] = (t0[i] + t1[i] + t2[i]) / 3;
    u[i] = t1[i] - t0[i];
    v[i] = t2[i] - t0[i];
  }
  const scale = Math.max(Math.sqrt(dot(u, u)), Math.sqrt(dot(v, v)));
  const uNorm = Math.sqrt(dot(u, u));
  if (!(uNorm > 1e-9 * Math.max(scale, 1e-30))) throw new Error('two of the three templates are equal: they span no plane');
  const e1 = u.map((x) => x / uNorm);
  const along = dot(v, e1);
  const w = v.map((x, i) => x - along * e1[i]);
  const wNorm = Math.sqrt(dot(w, w));
  if (!(wNorm > 1e-6 * scale)) throw new Error('the three templates lie on one line: they span no plane');
  return { origin, e1, e2: w.map((x) => x / wNorm) };
}

/** The coordinates of x's orthogonal projection onto the plane, in the basis (e1, e2), from its origin. */
export function projectOnto(basis: PlaneBasis, x: ArrayLike<number>): [number, number] {
  let a = 0;
  let b = 0;
  for (let i = 0; i < basis.origin.length; i++) {
    const centred = x[i] - basis.origin[i];
    a += centred * basis.e1[i];
    b += centred * basis.e2[i];
  }
  return [a, b];
}

export interface ProjectedPoint {
  cls: number;
  split: 'train' | 'test';
  x: number;
  y: number;
}

export interface ClassDrift {
  cls: number;
  /** Distance between the class's train and test centroids in the plane. */
  shift: number;
  /** Root-mean-square distance of the class's points to their own split's centroid. */
  spread: number;
  trainCount: number;
  testCount: number;
}

export interface CloudDrift {
  perClass: ClassDrift[];
  /** Mean over classes of shift / spread: how far the test cloud sits from the training cloud, in cloud widths. */
  drift: number;
}

/**
 * What Fig. 3 is read for: how far the test activations drift from the training ones. Per class, the
 * shift of the centroid from train to test divided by the within-class spread (pooled over both
 * splits); the figure's number is the mean of that ratio over the classes that have points in both.
 */
export function cloudDrift(points: readonly ProjectedPoint[]): CloudDrift {
  const classes = [...new Set(points.map((p) => p.cls))].sort((a, b) => a - b);
  const perClass: ClassDrift[] = [];
  for (const cls of classes) {
    const of = (split: 'train' | 'test') => points.filter((p) => p.cls === cls && p.split === split);
    const train = of('train');
    const test = of('test');
    if (train.length === 0 || test.length === 0) continue;
    const centroid = (ps: ProjectedPoint[]) => [ps.reduce((s, p) => s + p.x, 0) / ps.length, ps.reduce((s, p) => s + p.y, 0) / ps.length];
    const [trainX, trainY] = centroid(train);
    const [testX, testY] = centroid(test);
    const squares = (ps: ProjectedPoint[], cx: number, cy: number) => ps.reduce((s, p) => s + (p.x - cx) ** 2 + (p.y - cy) ** 2, 0);
    const spread = Math.sqrt((squares(train, trainX, trainY) + squares(test, testX, testY)) / (train.length + test.length));
    perClass.push({ cls, shift: Math.hypot(testX - trainX, testY - trainY), spread, trainCount: train.length, testCount: test.length });
  }
  if (perClass.length === 0) throw new Error('no class has both training and test points');
  const ratios = perClass.map((c) => (c.spread > 0 ? c.shift / c.spread : c.shift > 0 ? Infinity : 0));
  return { perClass, drift: ratios.reduce((a, b) => a + b, 0) / ratios.length };
}
