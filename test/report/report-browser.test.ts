// The HTML report end to end, from real runs: tiny trainings through the command line (so the curves
// come from real metrics.csv files), both figures, a damaged, an unfinished and a never-started run
// folder, then `gridmix report`; the page is checked for what it holds, then opened in Debian's
// headless Chromium and checked as a reader would see it. The screenshot is kept (its path printed).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { allTables } from '../../src/report/build-tables';
import { collectRuns } from '../../src/report/collect';
import { CHROMIUM, CHROMIUM_FLAGS, chromiumMissing } from '../helpers/chromium';
import { gridmix, tempDir, writeConfig } from '../helpers/cli';

const recipe = (method: string, trainLimit: number) => `
name: tiny-${method}
seed: 0
dataset: { name: fashion-mnist-mini, trainLimit: ${trainLimit}, testLimit: 60 }
backbone: { name: vgg_small }
method: { name: ${method} }
training: { epochs: 2, batchSize: 40, optimizer: { lr: 0.05 } }
`;

let results = '';
let html = '';

/** metrics.csv read here with nothing of gridmix's: the numbers the curves must carry. */
function metricsColumns(file: string): { epoch: number; train_loss: number; train_acc: number; test_top1: number }[] {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const names = header.split(',');
  return lines.map((line) => {
    const v = line.split(',').map(Number);
    const at = (name: string) => v[names.indexOf(name)];
    return { epoch: at('epoch'), train_loss: at('train_loss'), train_acc: at('train_acc'), test_top1: at('test_top1') };
  });
}

before(() => {
  const dir = tempDir('report-html');
  results = path.join(dir, 'results');
  const train = (method: string, trainLimit: number, extra: string[] = []) => {
    const config = writeConfig(dir, `${method}-${trainLimit}.yaml`, recipe(method, trainLimit));
    const r = gridmix(['train', '--config', config, '--out', path.join(results, `${method}-${trainLimit}`), ...extra]);
    assert.equal(r.code, 0, r.stderr);
  };
  // Group 1: baseline (two seeds) and gridmix on 120 images; group 2: mixup on 100.
  train('baseline', 120, ['--seeds', '0,1']);
  train('gridmix', 120);
  train('mixup', 100);

  const runs = ['baseline-120/seed-0', 'gridmix-120/seed-0'].map((r) => path.join(results, r));
  const attention = gridmix(['figure', 'attention', '--checkpoint', ...runs, '--images', '3', '--out', path.join(results, 'figures', 'attention.png')]);
  assert.equal(attention.code, 0, attention.stderr);
  const penultimate = gridmix(['figure', 'penultimate', '--checkpoint', ...runs, '--classes', '0,Trouser,7', '--per-class', '30', '--out', path.join(results, 'figures', 'penultimate.png')]);
  assert.equal(penultimate.code, 0, penultimate.stderr);
  assert.match(penultimate.stdout, /Baseline seed 0: train\/test drift \d+\.\d+/);

  // Three folders the report cannot use: damaged summary, unfinished run, run with no epoch done.
  const damaged = path.join(results, 'damaged', 'seed-0');
  fs.cpSync(path.join(results, 'mixup-100', 'seed-0'), damaged, { recursive: true });
  fs.writeFileSync(path.join(damaged, 'summary.json'), '{"method": "mixup", "top1": 1');
  const unfinished = path.join(results, 'unfinished', 'seed-0');
  fs.cpSync(path.join(results, 'mixup-100', 'seed-0'), unfinished, { recursive: true });
  const summary = JSON.parse(fs.readFileSync(path.join(unfinished, 'summary.json'), 'utf8'));
  fs.writeFileSync(path.join(unfinished, 'summary.json'), JSON.stringify({ ...summary, finished: false }));
  const metrics = fs.readFileSync(path.join(unfinished, 'metrics.csv'), 'utf8').trim().split('\n');
  fs.writeFileSync(path.join(unfinished, 'metrics.csv'), metrics.slice(0, 2).join('\n') + '\n');
  const started = path.join(results, 'started', 'seed-0');
  fs.mkdirSync(started, { recursive: true });
  fs.copyFileSync(path.join(results, 'mixup-100', 'seed-0', 'config.yaml'), path.join(started, 'config.yaml'));

  const report = gridmix(['report', '--results', results]);
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, /report: .*index\.html \(2 figures; 2 run folders could not be read/);
  html = fs.readFileSync(path.join(results, 'report', 'index.html'), 'utf8');
});

test('report: the curves carry exactly each run\'s metrics.csv; every unusable run is listed with its reason', () => {
  const blocks = [...html.matchAll(/<script type="application\/json" class="curve-data">(.*?)<\/script>/gs)].map((m) => JSON.parse(m[1]) as { run: string; metric: string; epoch: number; value: number }[]);
  assert.equal(blocks.length, 2, 'one chart per group of finished runs');
  const points = blocks.flat();
  const runs = [...new Set(points.map((p) => p.run))].sort();
  assert.deepEqual(runs, ['baseline-120/seed-0', 'baseline-120/seed-1', 'gridmix-120/seed-0', 'mixup-100/seed-0']);
  for (const run of runs) {
    const expected = metricsColumns(path.join(results, run, 'metrics.csv')).flatMap((row) => [
      { metric: 'train loss', epoch: row.epoch, value: row.train_loss },
      { metric: 'train accuracy (%)', epoch: row.epoch, value: row.train_acc },
      { metric: 'test top-1 (%)', epoch: row.epoch, value: row.test_top1 },
    ]);
    const got = points.filter((p) => p.run === run).map((p) => ({ metric: p.metric, epoch: p.epoch, value: p.value }));
    assert.deepEqual(got, expected, run);
  }
  assert.match(html, /damaged\/seed-0<\/td><td>summary\.json is not valid JSON/);
  assert.match(html, /unfinished\/seed-0<\/td><td>not finished: 1 of 2 epochs done/);
  assert.match(html, /started\/seed-0<\/td><td>no summary\.json/);
  const outside = [...html.matchAll(/(?:src|href)="(?!data:|#)([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(outside, [], 'no reference outside the page');

  fs.rmSync(path.join(results, 'report'), { recursive: true });
  const tablesOnly = gridmix(['report', '--results', results, '--no-html']);
  assert.equal(tablesOnly.code, 0, tablesOnly.stderr);
  assert.ok(!fs.existsSync(path.join(results, 'report', 'index.html')), '--no-html writes no HTML');
  fs.mkdirSync(path.join(results, 'report'));
  fs.writeFileSync(path.join(results, 'report', 'index.html'), html);
});

test('report: index.html in headless Chromium loads with no errors, every image decoded, the tables and charts all there', async (t) => {
  const missing = chromiumMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gridmix-chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
    page.on('requestfailed', (request) => errors.push(`failed request: ${request.url()} (${request.failure()?.errorText})`));
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    const file = path.join(results, 'report', 'index.html');
    await page.goto(`file://${file}`, { waitUntil: 'load' });

    const images = await page.evaluate(async () =>
      Promise.all(
        Array.from(document.images).map(async (img) => {
          let decoded = true;
          try {
            await img.decode();
          } catch {
            decoded = false;
          }
          return { alt: img.alt, decoded, width: img.naturalWidth, height: img.naturalHeight };
        }),
      ),
    );
    // 2 curve charts, 2 figures, the samples.png of 6 readable runs (4 finished, the unfinished and the damaged copy's are not: it has no summary).
    assert.equal(images.length, 2 + 2 + 5, JSON.stringify(images.map((i) => i.alt)));
    for (const image of images) assert.ok(image.decoded && image.width > 0 && image.height > 0, `${image.alt}: ${JSON.stringify(image)}`);

    const rowCounts = await page.evaluate(() =>
      Object.fromEntries(Array.from(document.querySelectorAll('table.results')).map((table) => [table.getAttribute('data-table'), table.querySelectorAll('tbody tr').length])),
    );
    const expected = Object.fromEntries(allTables(collectRuns(results)).map((table) => [table.id, table.rows.length]));
    assert.deepEqual(rowCounts, expected);
    assert.deepEqual(Object.keys(rowCounts), ['table1', 'table2', 'table3', 'table4', 'table5', 'table6']);
    assert.equal(await page.locator('figure.curve-chart').count(), 2, 'one curve chart per finished run group');
    assert.equal(await page.locator('#runs-table tbody tr').count(), 5, 'every readable run: 4 finished and the unfinished one');
    assert.equal(await page.locator('#problems-table tbody tr').count(), 3);

    const artifacts = fs.mkdtempSync(path.join(os.tmpdir(), 'gridmix-report-screenshot-'));
    const screenshot = path.join(artifacts, 'report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    t.diagnostic(`screenshot: ${screenshot}`);
    console.log(`report screenshot: ${screenshot}`);
    assert.deepEqual(errors, []);
    assert.deepEqual(requests.filter((url) => !url.startsWith('data:') && url !== `file://${file}`), [], 'the page fetches nothing');
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
});
