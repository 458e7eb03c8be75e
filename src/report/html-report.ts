// results/report/index.html: everything gridmix measured, in one self-contained file that opens from
// disk with no network and no server (images as data: URIs, styles in the page, no scripts; a
// Content-Security-Policy forbids fetching anything). Tables 1-6, the training curves of every group
// of finished runs, the figures, each run's backend, machine, speed and mixed samples, and the runs
// that could not be used, with the reason.
import * as fs from 'fs';
import * as path from 'path';
import type { RunProblem, RunRecord } from './collect';
import { curveGroups, curveSpec, groupPoints, seriesOf } from './curves';
import type { FigureFile } from './figures/figure-files';
import { readMetricsCsv } from './metrics-csv';
import { formatCell, type Table } from './table';
import { renderSvg } from './vega-render';

export interface HtmlReportInput {
  resultsDir: string;
  tables: Table[];
  runs: RunRecord[];
  problems: RunProblem[];
  figures: FigureFile[];
  generatedAt: Date;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON inside a <script type="application/json"> block: "<" escaped so no "</script>" can end it early. */
function jsonBlock(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function dataUri(mime: string, bytes: Buffer | string): string {
  return `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`;
}

function htmlTable(table: Table): string {
  const head = `<tr><th></th>${table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const body = table.rows.map((row) => `<tr><th>${escapeHtml(row.label)}</th>${row.cells.map((cell) => `<td>${escapeHtml(formatCell(cell))}</td>`).join('')}</tr>`).join('\n');
  const notes = table.notes.length ? `<ul class="notes">${table.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : '';
  return `<section id="${table.id}"><h3>${escapeHtml(table.title)}</h3><p class="hint">Each cell: paper / ours (ours − paper).</p>
<table class="results" data-table="${table.id}"><thead>${head}</thead><tbody>
${body}
</tbody></table>${notes}</section>`;
}

function epochsDone(run: RunRecord): string {
  try {
    return String(readMetricsCsv(path.join(run.dir, 'metrics.csv')).length);
  } catch {
    return 'an unknown number';
  }
}

const rel = (root: string, dir: string) => path.relative(root, dir) || '.';

function runsTable(root: string, runs: RunRecord[]): string {
  const header = ['run', 'dataset / backbone', 'method', 'seed', 'epochs', 'finished', 'top-1 (%)', 'images/s', 'train s', 'backend', 'native kernels', 'machine'];
  const rows = runs.map((r) => {
    const s = r.summary;
    const cells = [
      rel(root, r.dir), `${s.dataset} / ${s.backbone}`, seriesOf(r), String(s.seed), String(s.epochs), s.finished ? 'yes' : 'no',
      s.top1 === null ? '—' : s.top1.toFixed(2), String(s.images_per_second), String(s.train_seconds), s.backend,
      s.machine ?? 'not recorded',
    ];
    // The native kernels as a count, the list on hover: the full list is a paragraph per run.
    const kernels = s.native_kernels?.length ? `<td title="${escapeHtml(s.native_kernels.join(', '))}">${s.native_kernels.length} ops</td>` : '<td>none</td>';
    return `<tr>${cells.slice(0, -1).map((c) => `<td>${escapeHtml(c)}</td>`).join('')}${kernels}<td>${escapeHtml(cells.at(-1)!)}</td></tr>`;
  });
  return `<table class="runs" id="runs-table"><thead><tr>${header.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`;
}

function problemsTable(root: string, problems: RunProblem[]): string {
  if (problems.length === 0) return '<p id="problems-none">Every run folder found was finished and readable.</p>';
  return `<table class="problems" id="problems-table"><thead><tr><th>run folder</th><th>why it is not in the tables or curves</th></tr></thead><tbody>
${problems.map((p) => `<tr><td>${escapeHtml(rel(root, p.dir))}</td><td>${escapeHtml(p.reason)}</td></tr>`).join('\n')}
</tbody></table>`;
}

function sampleGrids(root: string, runs: RunRecord[]): string {
  const items = runs
    .filter((r) => fs.existsSync(path.join(r.dir, 'samples.png')))
    .map((r) => `<figure class="samples"><img src="${dataUri('image/png', fs.readFileSync(path.join(r.dir, 'samples.png')))}" alt="mixed samples of ${escapeHtml(rel(root, r.dir))}"><figcaption>${escapeHtml(rel(root, r.dir))} · ${escapeHtml(seriesOf(r))}</figcaption></figure>`);
  return items.length ? `<div class="gallery">${items.join('\n')}</div>` : '<p>No run has a samples.png.</p>';
}

function figureNumbers(figure: FigureFile): string {
  const runs = Array.isArray(figure.data.runs) ? (figure.data.runs as Record<string, unknown>[]) : [];
  if (figure.kind === 'penultimate') {
    return `<ul>${runs.map((r) => `<li>${escapeHtml(String(r.label))}: train/test drift ${escapeHtml(typeof r.drift === 'number' ? r.drift.toFixed(3) : String(r.drift))}</li>`).join('')}</ul><p class="hint">${escapeHtml(String(figure.data.drift_definition ?? ''))}</p>`;
  }
  if (figure.kind === 'attention-cam') {
    return `<ul>${runs.map((r) => {
      const loc = r.localization as Record<string, number> | undefined;
      return `<li>${escapeHtml(String(r.label))}${loc ? `: on these ${loc.images} images Top-1 Cls ${loc.top1_cls}%, GT-Known Loc ${loc.gt_known_loc}%, Top-1 Loc ${loc.top1_loc}%` : ''}</li>`;
    }).join('')}</ul>`;
  }
  return `<p class="hint">${escapeHtml(String(figure.data.formula ?? ''))}</p>`;
}

function figuresSection(root: string, figures: FigureFile[]): string {
  if (figures.length === 0) return `<p>No figures yet: <code>gridmix figure attention --checkpoint RUN...</code> and <code>gridmix figure penultimate --checkpoint RUN... --classes A,B,C</code> write them to ${escapeHtml(path.join(root, 'figures'))}/.</p>`;
  return figures
    .map((f) => `<figure class="figure" data-kind="${escapeHtml(f.kind)}"><img src="${dataUri('image/png', fs.readFileSync(f.png))}" alt="${escapeHtml(f.title)}"><figcaption><b>${escapeHtml(f.title)}</b> (${escapeHtml(path.basename(f.png))})${figureNumbers(f)}</figcaption></figure>`)
    .join('\n');
}

const STYLE = `
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 24px; color: #222; max-width: 1500px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ccc; } h3 { font-size: 15px; }
table { border-collapse: collapse; font-size: 12px; margin: 8px 0; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
thead th { background: #f2f2f2; } tbody th { font-weight: normal; background: #fafafa; max-width: 420px; }
.hint, .notes { font-size: 12px; color: #555; }
figure { margin: 12px 0; } figcaption { font-size: 12px; color: #333; }
.gallery { display: flex; flex-wrap: wrap; gap: 12px; } .gallery img { max-width: 420px; }
img { max-width: 100%; border: 1px solid #eee; }
nav a { margin-right: 12px; font-size: 13px; }
`;

export async function buildHtmlReport(input: HtmlReportInput): Promise<string> {
  const root = input.resultsDir;
  const { groups, problems: curveProblems } = curveGroups(input.runs);
  const unfinished = input.runs
    .filter((r) => !r.summary.finished)
    .map((r) => ({ dir: r.dir, reason: `not finished: ${epochsDone(r)} of ${r.summary.epochs} epochs done (continue with gridmix train --resume)` }));
  const problems = [...input.problems, ...unfinished, ...curveProblems].sort((a, b) => a.dir.localeCompare(b.dir));

  const charts: string[] = [];
  for (const group of groups) {
    const points = groupPoints(group, root);
    const svg = await renderSvg(curveSpec(group, points));
    charts.push(`<figure class="curve-chart" data-group="${escapeHtml(group.title)}" data-runs="${group.runs.length}">
<img src="${dataUri('image/svg+xml', svg)}" alt="training curves of ${escapeHtml(group.title)}">
<figcaption>${escapeHtml(group.title)}: ${group.runs.length} run(s); thin lines: one per run, thick: their mean</figcaption>
<script type="application/json" class="curve-data">${jsonBlock(points)}</script></figure>`);
  }
  const finishedCount = input.runs.filter((r) => r.summary.finished).length;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>gridmix report: ${escapeHtml(root)}</title>
<style>${STYLE}</style></head>
<body>
<h1>gridmix report</h1>
<p>${input.runs.length} runs under <code>${escapeHtml(root)}</code> (${finishedCount} finished), ${problems.length} listed as not usable; written ${escapeHtml(input.generatedAt.toISOString())}.</p>
<nav><a href="#tables">Tables 1-6</a><a href="#curves">Training curves</a><a href="#figures">Figures</a><a href="#runs">Runs</a><a href="#samples">Mixed samples</a><a href="#problems">Not usable</a></nav>
<h2 id="tables">Tables 1-6: the paper beside ours</h2>
${input.tables.map(htmlTable).join('\n')}
<h2 id="curves">Training curves</h2>
<p class="hint">One chart per group of finished runs that a table row pools (same dataset, backbone and recipe; ablation cells apart): train loss, train accuracy (against each mixed sample's dominant label) and test top-1 against epoch, from each run's metrics.csv.</p>
${charts.length ? charts.join('\n') : '<p>No finished run yet.</p>'}
<h2 id="figures">Figures</h2>
${figuresSection(root, input.figures)}
<h2 id="runs">Runs: speed, backend and machine</h2>
${runsTable(root, input.runs)}
<h2 id="samples">Mixed samples (what each model saw)</h2>
${sampleGrids(root, input.runs)}
<h2 id="problems">Runs not finished or not readable</h2>
${problemsTable(root, problems)}
</body></html>
`;
}
