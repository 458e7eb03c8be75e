// gridmix report [--results DIR]: Tables 1-6 as markdown and CSV in DIR/tables/.
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { writeFileAtomic } from '../io/atomic-file';
import { allTables } from '../report/build-tables';
import { scanResults } from '../report/collect';
import { toCsv, toMarkdown, type Table } from '../report/table';
import { UserError } from '../errors';
import { folderFlag } from './flags';
import { counted } from '../text/plural';

export interface ReportOptions {
  results: string;
  /** Where tables go (default <results>/tables). */
  out?: string;
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
  return tables;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description("write Tables 1-6: the paper's numbers beside yours")
    .option('--results <dir>', 'results folder to read', folderFlag('--results'), 'results')
    .option('--out <dir>', 'where the tables go (default <results>/tables)', folderFlag('--out'))
    .action(async (opts: { results: string; out?: string }) => {
      await reportCommand(opts);
    });
}
