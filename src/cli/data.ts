// gridmix data list | verify NAME | fetch NAME: where datasets are looked for, whether they are
// complete, and downloading them where their terms allow.
import { Command } from 'commander';
import { UserError } from '../errors';
import { folderFlag } from './flags';
import { fetchDataset, listDatasets, verifyDataset } from '../data/registry';

export interface DataListOptions {
  /** A folder to look in first, as dataset.root would. */
  root?: string;
  print?: (line: string) => void;
}

export interface DataVerifyOptions {
  name: string;
  root?: string;
  print?: (line: string) => void;
}

export interface DataFetchOptions {
  name: string;
  /** Destination folder (default: the user cache, ~/.cache/gridmix/NAME or $GRIDMIX_CACHE/NAME). */
  dir?: string;
  mirror?: string;
  print?: (line: string) => void;
}

export async function dataList(options: DataListOptions = {}): Promise<void> {
  const print = options.print ?? console.log;
  for (const status of listDatasets(options.root)) {
    print(`${status.name}: ${status.foundAt ? `present in ${status.foundAt}` : 'not found'}`);
    print(`  ${status.summary}`);
    print(`  looks in: ${status.searchFolders.join(', ')}`);
    if (!status.foundAt) print(`  ${status.howToGet}`);
  }
}

/** Prints the checks; a failed check is a UserError (exit 1). */
export async function dataVerify(options: DataVerifyOptions): Promise<void> {
  const print = options.print ?? console.log;
  const report = await verifyDataset(options.name, options.root);
  print(`${options.name} in ${report.folder}`);
  for (const line of report.lines) print(`  ${line}`);
  if (!report.ok) throw new UserError(`${options.name}: verification failed (see above)`);
  print(`${options.name}: ok`);
}

export async function dataFetch(options: DataFetchOptions): Promise<void> {
  const print = options.print ?? console.log;
  const folder = await fetchDataset({ name: options.name, dir: options.dir, mirror: options.mirror, log: print });
  print(`${options.name}: ready in ${folder}`);
}

export function registerDataCommand(program: Command): void {
  const data = program.command('data').description('list, verify or download datasets');
  data
    .command('list')
    .description('every dataset, where it is looked for, and whether it is there')
    .option('--root <dir>', 'a folder to look in first', folderFlag('--root'))
    .action((opts: { root?: string }) => dataList({ root: opts.root }));
  data
    .command('verify')
    .description('check the image counts (and checksums where known) of a dataset')
    .argument('<name>', 'dataset name (see `gridmix data list`)')
    .option('--root <dir>', 'a folder to look in first', folderFlag('--root'))
    .action((name: string, opts: { root?: string }) => dataVerify({ name, root: opts.root }));
  data
    .command('fetch')
    .description('download a dataset from its official address, check its checksum and unpack it')
    .argument('<name>', 'fashion-mnist, cifar10, cifar100, tiny-imagenet or cub200')
    .option('--dir <dir>', 'destination folder (default: the user cache)')
    .option('--mirror <url>', 'a base URL to download the same files from instead')
    .action((name: string, opts: { dir?: string; mirror?: string }) => dataFetch({ name, dir: opts.dir, mirror: opts.mirror }));
}
