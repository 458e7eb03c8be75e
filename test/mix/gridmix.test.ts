import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Gridmix, GRIDMIX_DEFAULTS, drawGridmix, type GridmixArgs } from '../../src/mix/gridmix';
import { cellIndexMap } from '../../src/mix/grid-cells';
import type { MixedBatch } from '../../src/mix/mix-method';
import { UserError } from '../../src/errors';
import { Rng } from '../../src/engine/rng';
import { useBackend } from '../helpers/backend';
import { assertLambdaMatchesPixels, assertNoLeak, constantBatch, disposeMixed, valueOf, type ConstantBatch } from './fixtures';

function gridmix(args: Partial<GridmixArgs>): Gridmix {
  return new Gridmix({ ...GRIDMIX_DEFAULTS, ...args });
}

/** Every pixel shows the image its cell's mask names, and every cell's patch label is that image's class. */
function assertCellsMatchMask(mixed: MixedBatch, input: ConstantBatch): void {
  const { height, width, channels, labels } = input;
  const params = mixed.params;
  if (params.kind !== 'gridmix') throw new Error(`params of kind ${params.kind}`);
  const n = params.grid;
  const rowCell = cellIndexMap(height, n);
  const colCell = cellIndexMap(width, n);
  const pixels = mixed.x.dataSync();
  const patch = mixed.yPatch!.dataSync();
  assert.deepEqual(mixed.yPatch!.shape, [labels.length, n, n]);
  assert.equal(mixed.yPatch!.dtype, 'int32');
  for (let b = 0; b < labels.length; b++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const source: number = params.masks[(b * n + i) * n + j] === 1 ? b : mixed.partner[b];
        assert.equal(patch[(b * n + i) * n + j], labels[source], `sample ${b} cell (${i}, ${j}) patch label`);
      }
    }
    for (let h = 0; h < height; h++) {
      for (let w = 0; w < width; w++) {
        const source: number = params.masks[(b * n + rowCell[h]) * n + colCell[w]] === 1 ? b : mixed.partner[b];
        assert.equal(pixels[((b * height + h) * width + w) * channels], valueOf(source), `sample ${b} pixel (${h}, ${w})`);
      }
    }
  }
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`gridmix on ${backend}`, () => {
    const inputs = new Map<number, ConstantBatch>();
    before(async () => {
      await useBackend(backend);
      for (const size of [28, 32]) inputs.set(size, constantBatch(8, size, size, 2));
    });
    after(() => inputs.forEach((input) => input.x.dispose()));

    for (const [size, grid] of [[32, 4], [28, 4], [28, 3], [28, 7], [28, 14], [32, 3], [32, 7]]) {
      it(`${grid} x ${grid} on ${size} x ${size}: pixels, lambda, soft label and patch labels agree`, () => {
        const input = inputs.get(size)!;
        for (let seed = 0; seed < 3; seed++) {
          const mixed = gridmix({ grid, p: 0.6 }).mix(input.x, input.labels, input.numClasses, new Rng(seed));
          assert.equal(mixed.grid, grid);
          assert.ok(assertLambdaMatchesPixels(mixed, input, { binary: true }) > 0, 'no sample got a partner');
          assertCellsMatchMask(mixed, input);
          disposeMixed(mixed);
        }
      });
    }

    it('grid "random" mixes with the size it drew', () => {
      const input = inputs.get(32)!;
      const mixed = gridmix({ grid: 'random' }).mix(input.x, input.labels, input.numClasses, new Rng(1));
      assertCellsMatchMask(mixed, input);
      disposeMixed(mixed);
    });

    it('leaves no tensors behind', () => {
      const input = inputs.get(28)!;
      assertNoLeak(() => disposeMixed(gridmix({ grid: 7 }).mix(input.x, input.labels, input.numClasses, new Rng(3))));
    });
  });
}

describe('gridmix parameters', () => {
  it('the mean lambda over many batches is p', () => {
    const rng = new Rng(21);
    for (const [p, grid, size] of [[0.8, 4, 32], [0.5, 7, 28], [0.7, 3, 32]] as const) {
      let sum = 0;
      const batches = 300;
      for (let k = 0; k < batches; k++) sum += drawGridmix(rng, 16, size, size, { ...GRIDMIX_DEFAULTS, grid, p }).lambda.reduce((a, b) => a + b, 0);
      const mean = sum / (batches * 16);
      assert.ok(Math.abs(mean - p) < 0.01, `p ${p}, N ${grid}: mean lambda ${mean}`);
    }
  });

  it('same seed, same masks; different seed, different masks', () => {
    const draw = (seed: number) => drawGridmix(new Rng(seed), 8, 32, 32, GRIDMIX_DEFAULTS);
    assert.deepEqual(draw(3), draw(3));
    assert.notDeepEqual(draw(3).masks, draw(4).masks);
  });

  it('grid "random" draws every size from the configured set and nothing else', () => {
    const rng = new Rng(5);
    const args: GridmixArgs = { ...GRIDMIX_DEFAULTS, grid: 'random', gridChoices: [2, 4, 8] };
    const seen = new Map<number, number>();
    for (let k = 0; k < 300; k++) {
      const { grid, masks } = drawGridmix(rng, 4, 32, 32, args);
      assert.equal(masks.length, 4 * grid * grid);
      seen.set(grid, (seen.get(grid) ?? 0) + 1);
    }
    assert.deepEqual([...seen.keys()].sort((a, b) => a - b), [2, 4, 8]);
    for (const count of seen.values()) assert.ok(count > 60, `uneven draw ${[...seen]}`);
    assert.deepEqual(new Gridmix(args).gridSizes, [2, 4, 8]);
  });

  it('gamma sets the local loss weight; gamma 0 is "GridMix wo. Eq. (4)" without a local head', () => {
    assert.equal(gridmix({ gamma: 0.15 }).needsLocalHead, true);
    assert.equal(gridmix({ gamma: 0.15 }).localLossWeight, 0.15);
    assert.equal(gridmix({ gamma: 0 }).needsLocalHead, false);
    assert.deepEqual(gridmix({ grid: 4 }).gridSizes, [4]);
  });

  it('a grid finer than the images is the user\'s error', () => {
    assert.throws(() => drawGridmix(new Rng(1), 2, 8, 8, { ...GRIDMIX_DEFAULTS, grid: 16 }), UserError);
  });
});
