// The command line on --backend webgpu: ablate (two cells), eval --test, --imagenet-a and
// --localization, preview and bench run on it, record the backend and the adapter Dawn offers, and
// give wasm's numbers: the same seed trains to wasm's loss, one checkpoint evaluates to wasm's
// top-1, the same preview seed writes the same PNGs. On a software adapter (lavapipe, as in CI) a
// vgg_small step at batch 20 takes seconds, so the data is a few dozen images and the ablation's
// run is trained once and evaluated by the later tests.
//
// As the per-backend tests (test/helpers/backend.ts): skipped, saying why, unless webgpu is in the
// test list (named in GRIDMIX_TEST_BACKENDS, or a hardware adapter here); when it is listed and does
// not start, the commands fail and so do the tests.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { adapterLabel, probeWebgpu, type WebgpuAdapter } from '../../src/engine/webgpu';
import { countParameters } from '../../src/models/summary';
import { adapterRecord } from '../../src/train/run-files';
import { isolateUserCache, tempFolder, writeCubTree, writeImagenetATree } from '../data/fixtures';
import { testBackendStatuses } from '../helpers/backend';
import { gridmixOk, metricsWithoutTime, writeConfig } from '../helpers/cli';
import { writeFreshRun } from '../helpers/run-folder';

isolateUserCache();

/** Skips `t` with the reason when webgpu is not in the test list; true when skipped. */
async function notOnWebgpu(t: TestContext): Promise<boolean> {
  const status = (await testBackendStatuses()).find((s) => s.name === 'webgpu')!;
  if (!status.listed) t.skip(status.reason);
  return !status.listed;
}

/** The adapter a run must record: what Dawn answers to the high-performance request, as startWebgpu asks. */
let adapter: WebgpuAdapter | undefined;
async function expectedAdapter(): Promise<WebgpuAdapter> {
  adapter ??= (await probeWebgpu()).adapters[0];
  assert.ok(adapter, 'Dawn offers no adapter');
  return adapter;
}

/** stdout's backend line names webgpu and the adapter. */
async function assertBackendLine(stdout: string): Promise<void> {
  const line = stdout.split('\n').find((l) => l.startsWith('backend: '));
  assert.ok(line?.startsWith(`backend: webgpu (${adapterLabel(await expectedAdapter())}`), `backend line: ${line}`);
}

/** An eval-*.json or summary.json records webgpu and the adapter. */
async function assertRecordsWebgpu(record: Record<string, unknown>): Promise<void> {
  assert.equal(record.backend, 'webgpu');
  assert.deepEqual(record.native_kernels, []);
  assert.deepEqual(record.webgpu_adapter, adapterRecord(await expectedAdapter()));
}

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

/** The reference the webgpu numbers are held to: plain wasm. */
const ON_WASM = ['--backend', 'wasm', '--no-native'];

/** `gridmix eval --<kind>` of a run: its stdout and the eval-<kind>.json it wrote. */
function evaluate(run: string, kind: 'test' | 'imagenet-a' | 'localization', flags: string[] = []) {
  const stdout = gridmixOk(['eval', '--checkpoint', run, `--${kind}`, ...flags]);
  return { stdout, json: readJson(path.join(run, `eval-${kind}.json`)) };
}

/** Two results of one evaluation differ by at most one image's share (different summation orders may flip a near tie). */
function assertSameScore(webgpu: number, wasm: number, images: number, what: string): void {
  assert.ok(Number.isFinite(webgpu) && webgpu >= 0 && webgpu <= 100, `${what}: ${webgpu}`);
  assert.ok(Math.abs(webgpu - wasm) <= 100 / images + 1e-9, `${what}: webgpu ${webgpu}, wasm ${wasm} on ${images} images`);
}

const TINY = `
name: tiny-webgpu
seed: 3
backend: webgpu
dataset: { name: fashion-mnist-mini, trainLimit: 40, testLimit: 40 }
backbone: { name: vgg_small }
method: { name: gridmix, grid: 4, p: 0.8, gamma: 0.15 }
training: { epochs: 1, batchSize: 20, evalBatchSize: 40, optimizer: { lr: 0.05 } }
`;
/** The base's own grid: the sweep is the base cell plus the baseline ablate always adds. */
const SWEEP = 'sweep: { grid: [4] }\n';
const CELLS = ['grid4-p0.8-gamma0.15', 'baseline'];

/** The ablation, run once: later tests evaluate its GridMix cell. */
let ablation: { config: string; out: string; stdout: string } | undefined;
function ablate(): { config: string; out: string; stdout: string } {
  if (!ablation) {
    const dir = tempFolder('webgpu-ablate');
    const config = writeConfig(dir, 'ablate.yaml', TINY + SWEEP);
    const out = path.join(dir, 'ablation');
    ablation = { config, out, stdout: gridmixOk(['ablate', '--config', config, '--out', out]) };
  }
  return ablation;
}
const gridmixCell = () => path.join(ablate().out, `${CELLS[0]}-seed3`);

test('ablate on webgpu: both cells train on it, record the adapter, and the GridMix cell trains to wasm\'s loss', async (t) => {
  if (await notOnWebgpu(t)) return;
  const { config, out, stdout } = ablate();
  await assertBackendLine(stdout);
  for (const cell of CELLS) {
    const summary = readJson(path.join(out, `${cell}-seed3`, 'summary.json'));
    assert.equal(summary.finished, true, cell);
    assert.equal(summary.ablation_cell, cell);
    await assertRecordsWebgpu(summary);
    for (const key of ['top1', 'top5']) assert.ok(summary[key] >= 0 && summary[key] <= 100, `${cell} ${key}: ${summary[key]}`);
  }
  assert.ok(fs.existsSync(path.join(out, 'table4.md')));
  // The same config and seed trained on plain wasm: the same epoch-1 training loss (summation order only).
  const wasm = path.join(path.dirname(out), 'wasm');
  gridmixOk(['train', '--config', config, '--out', wasm, ...ON_WASM]);
  const trainLoss = (run: string) => Number(metricsWithoutTime(path.join(run, 'metrics.csv'))[1].split(',')[2]);
  const [onWebgpu, onWasm] = [trainLoss(gridmixCell()), trainLoss(path.join(wasm, 'seed-3'))];
  assert.ok(Number.isFinite(onWebgpu) && onWebgpu > 0, `webgpu train loss ${onWebgpu}`);
  assert.ok(Math.abs(onWebgpu - onWasm) <= 1e-4 * onWasm, `epoch-1 train loss: webgpu ${onWebgpu}, wasm ${onWasm}`);
});

test('eval --test on webgpu repeats the run\'s top-1, and wasm gives the same on its checkpoint', async (t) => {
  if (await notOnWebgpu(t)) return;
  const run = gridmixCell();
  const summary = readJson(path.join(run, 'summary.json'));
  const webgpu = evaluate(run, 'test');
  await assertBackendLine(webgpu.stdout);
  const onWebgpu = webgpu.json;
  await assertRecordsWebgpu(onWebgpu);
  assert.equal(onWebgpu.images, 40);
  assert.equal(onWebgpu.top1, summary.top1, 'the run\'s last test top-1, on the same backend');
  assert.equal(onWebgpu.top5, summary.top5);
  const onWasm = evaluate(run, 'test', ON_WASM).json;
  assert.equal(onWasm.backend, 'wasm');
  assertSameScore(onWebgpu.top1, onWasm.top1, 40, 'top-1');
  assertSameScore(onWebgpu.top5, onWasm.top5, 40, 'top-5');
});

test('eval --imagenet-a on webgpu: a TinyImageNet model on TinyImageNet-A gives wasm\'s scores', async (t) => {
  if (await notOnWebgpu(t)) return;
  // A freshly initialised TinyImageNet model (200 classes, read at 32 px): eval reads only its folder.
  const data = await writeImagenetATree('webgpu-imagenet-a');
  const run = await writeFreshRun('webgpu-tiny-run', {
    name: 'tiny-imagenet-webgpu', seed: 5, backend: 'webgpu', dataset: { name: 'tiny-imagenet', imageSize: 32 },
    backbone: 'vgg_small', numClasses: 200, inputSize: 32,
  });
  const webgpu = evaluate(run, 'imagenet-a', ['--data', data]);
  await assertBackendLine(webgpu.stdout);
  await assertRecordsWebgpu(webgpu.json);
  assert.equal(webgpu.json.dataset, 'tiny-imagenet-a');
  assert.equal(webgpu.json.classes, 74, 'TinyImageNet-A: the 74 classes the two share');
  assert.equal(webgpu.json.images, 2, 'the fixture\'s two images of a TinyImageNet class');
  const wasm = evaluate(run, 'imagenet-a', ['--data', data, ...ON_WASM]).json;
  assertSameScore(webgpu.json.top1, wasm.top1, 2, 'top-1');
  assertSameScore(webgpu.json.top5, wasm.top5, 2, 'top-5');
});

test('eval --localization on webgpu: CAM boxes on a CUB tree give wasm\'s scores', async (t) => {
  if (await notOnWebgpu(t)) return;
  // Two training and four test images, each box the whole image; read at 32 px (a resnet20 at CUB's
  // 224 px would take minutes on a software adapter).
  const data = await writeCubTree('webgpu-cub', [1, 1, 0, 0, 0, 0], [0, 0, 64, 48]);
  const run = await writeFreshRun('webgpu-cub-run', {
    name: 'cub-webgpu', seed: 4, backend: 'webgpu', dataset: { name: 'cub200', root: data, imageSize: 32 },
    backbone: 'resnet20', numClasses: 2, inputSize: 32,
  });
  const webgpu = evaluate(run, 'localization');
  await assertBackendLine(webgpu.stdout);
  assert.match(webgpu.stdout, /localization: Top-1 Cls [\d.]+%, GT-Known Loc [\d.]+%, Top-1 Loc [\d.]+% on 4 images/);
  await assertRecordsWebgpu(webgpu.json);
  assert.equal(webgpu.json.image_size, 32);
  assert.ok(webgpu.json.top1_loc <= Math.min(webgpu.json.top1_cls, webgpu.json.gt_known_loc));
  const wasm = evaluate(run, 'localization', ON_WASM).json;
  for (const key of ['top1_cls', 'gt_known_loc', 'top1_loc']) assertSameScore(webgpu.json[key], wasm[key], 4, key);
});

test('preview on webgpu writes the PNGs and preview.json that wasm writes for the same seed', async (t) => {
  if (await notOnWebgpu(t)) return;
  const preview = (backend: string) => {
    const out = tempFolder(`webgpu-preview-${backend}`);
    const flags = ['preview', '--method', 'gridmix', '--dataset', 'fashion-mnist-mini', '--count', '4', '--seed', '2', '--out', out];
    return { out, stdout: gridmixOk([...flags, ...(backend === 'wasm' ? ON_WASM : ['--backend', 'webgpu'])]) };
  };
  const webgpu = preview('webgpu');
  await assertBackendLine(webgpu.stdout);
  const wasm = preview('wasm');
  const manifest = (out: string) => readJson(path.join(out, 'preview.json'));
  const [onWebgpu, onWasm] = [manifest(webgpu.out), manifest(wasm.out)];
  assert.equal(onWebgpu.backend, 'webgpu');
  assert.equal(onWebgpu.count, 4);
  assert.deepEqual({ ...onWebgpu, backend: 'wasm' }, onWasm, 'the same samples, masks and labels');
  const pngs = (out: string) => fs.readdirSync(out).filter((f) => f.endsWith('.png')).sort();
  assert.equal(pngs(webgpu.out).length, 4);
  assert.deepEqual(pngs(webgpu.out), pngs(wasm.out));
  for (const file of pngs(webgpu.out)) {
    assert.ok(fs.readFileSync(path.join(webgpu.out, file)).equals(fs.readFileSync(path.join(wasm.out, file))), `${file} differs from wasm's`);
  }
});

test('bench --only steps on webgpu: its child processes measure on webgpu too', async (t) => {
  if (await notOnWebgpu(t)) return;
  // The smallest measurement the bench takes: batch 4, one warm-up and one timed step per backbone.
  const records = gridmixOk(['bench', '--backend', 'webgpu', '--quick', '--only', 'steps', '--batch-size', '4', '--iterations', '1', '--json'])
    .trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(records[0].kind, 'environment');
  assert.equal(records[0].backend, 'webgpu');
  assert.ok(records[0].backend_label.startsWith(`webgpu (${adapterLabel(await expectedAdapter())}`), records[0].backend_label);
  const steps = records.filter((r) => r.kind === 'train-step');
  assert.deepEqual(steps.map((r) => `${r.backbone} ${r.local_head}`), ['resnet20 true', 'resnet20 false', 'vgg_small true', 'vgg_small false']);
  for (const step of steps) {
    assert.equal(step.backend, 'webgpu', 'the backbone jobs\' child processes select webgpu');
    assert.ok(Number.isFinite(step.ms_per_step) && step.ms_per_step > 0, JSON.stringify(step));
    assert.ok(Math.abs(step.images_per_second - (4 * 1000) / step.ms_per_step) < 1e-6 * step.images_per_second, JSON.stringify(step));
    assert.equal(step.parameters, countParameters(step.backbone, { numClasses: 10, inputSize: 32, inChannels: 3, localHead: step.local_head }));
  }
});
