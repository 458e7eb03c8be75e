// gridmix report [--results DIR] [--no-html]: Tables 1-6 as markdown and CSV in DIR/tables/, and the
// self-contained HTML report in DIR/report/index.html.
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { writeFileAtomic } from '../io/atomic-file';
import { allTables } from '../report/build-tables';
import { runProblems, scanResults } from '../report/collect';
import { listFigures } from '../report/figures/figure-files';
import { buildHtmlReport } from '../report/html-report';
import { toCsv, toMarkdown, type Table } from '../report/table';
import { UserError } from '../errors';
import { folderFlag } from './flags';
import { counted } from '../text/plural';

export interface ReportOptions {
  results: string;
  /** Where tables go (default <results>/tables). */
  out?: string;
  /** false with --no-html: tables only. */
  html?: boolean;
  log?: (line: string) => void;
}

export function writeTables(tables: Table[], outDir: string): string[] {
  const written: string[] = [];
  for (const table of tables) {
    const md = path.join(outDir, `${table.id}.md`);
    const csv = path.join(outDir, `${table.id}.csv`);
    writeFileAtomic(md, toMarkdown(table));
    writeFileAtomic(csv, toCsv(table));
    written.push(md, csv);
  }
  return written;
}

export async function reportCommand(options: ReportOptions): Promise<Table[]> {
  const log = options.log ?? console.log;
  if (!fs.existsSync(options.results)) throw new UserError(`no results folder at ${options.results} (train something first, or pass --results DIR)`);
  const { runs, skipped } = scanResults(options.results);
  const tables = allTables(runs);
  const outDir = options.out ?? path.join(options.results, 'tables');
  writeTables(tables, outDir);
  for (const file of skipped) log(`skipped ${file.file}: ${file.why}`);
  log(`${counted(runs.length, 'run')} found under ${options.results} (${runs.filter((r) => r.summary.finished).length} finished${skipped.length ? `; ${counted(skipped.length, 'file')} skipped, named above` : ''}); tables written to ${outDir}/table1..table6 (.md, .csv)`);
  if (options.html !== false) {
    const figures = listFigures(path.join(options.results, 'figures'));
    const problems = runProblems(skipped);
    const html = await buildHtmlReport({ resultsDir: options.results, tables, runs, problems, figures, generatedAt: new Date() });
    const file = path.join(options.results, 'report', 'index.html');
    writeFileAtomic(file, html);
    log(`report: ${file} (${counted(figures.length, 'figure')}${problems.length ? `; ${counted(new Set(problems.map((p) => p.dir)).size, 'run folder')} could not be read, listed there` : ''})`);
  }
  return tables;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description("write Tables 1-6: the paper's numbers beside yours")
    .option('--results <dir>', 'results folder to read', folderFlag('--results'), 'results')
    .option('--out <dir>', 'where the tables go (default <results>/tables)', folderFlag('--out'))
    .option('--no-html', 'skip <results>/report/index.html (the tables with curves, figures and samples)')
    .action(async (opts: { results: string; out?: string; html?: boolean }) => {
      await reportCommand(opts);
    });
}
