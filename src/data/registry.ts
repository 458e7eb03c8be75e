// The functions behind `gridmix data list|verify|fetch`: where each dataset is looked for and whether
// it is there, count/checksum checks, and downloads where the licence allows.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors';
import type { DatasetConfig } from './dataset-config';
import { download, verifyChecksum, type Fetch } from './download';
import { extractArchive } from './extract';
import { FETCH_PLANS, withMirror } from './fetch-plans';
import { userDatasetDir } from './locations';
import { DATASET_NAMES, getDatasetReader } from './readers';
import type { VerifyReport } from './readers/reader';

export interface DatasetStatus {
  name: string;
  summary: string;
  searchFolders: string[];
  /** The folder the data was found in, if any. */
  foundAt?: string;
  howToGet: string;
}

export function listDatasets(root?: string): DatasetStatus[] {
  return DATASET_NAMES.map((name) => {
    const reader = getDatasetReader(name);
    const config: DatasetConfig = { name, root };
    return {
      name,
      summary: reader.summary,
      searchFolders: reader.searchFolders(config),
      foundAt: reader.locate(config),
      howToGet: reader.howToGet,
    };
  });
}

/** Counts (and checksums) the reader checks, plus the checksum of the downloaded archive when it is still beside the data. */
export async function verifyDataset(name: string, root?: string): Promise<VerifyReport> {
  const report = await getDatasetReader(name).verify({ name, root });
  const plan = FETCH_PLANS[name];
  if (!plan?.unpack) return report;
  const lines = [...report.lines];
  let ok = report.ok;
  for (const source of plan.sources) {
    // The archive sits in the fetch folder, which is the data folder or the parent of its top folder.
    const archive = [report.folder, path.dirname(report.folder)].map((dir) => path.join(dir, source.file)).find((f) => fs.existsSync(f));
    if (!archive) continue;
    try {
      await verifyChecksum(archive, source);
      lines.push(`${source.file}: checksum ok`);
    } catch (err) {
      ok = false;
      lines.push(err instanceof Error ? err.message : String(err));
    }
  }
  return { ...report, ok, lines };
}

export interface FetchOptions {
  name: string;
  /** Destination folder (default: the dataset's folder in the user cache). */
  dir?: string;
  /** A base URL replacing the official host (same file names). */
  mirror?: string;
  fetchImpl?: Fetch;
  log?: (line: string) => void;
}

/** Downloads, checks and unpacks a dataset; returns the folder it is in. */
export async function fetchDataset(options: FetchOptions): Promise<string> {
  const reader = getDatasetReader(options.name);
  const log = options.log ?? (() => {});
  const basePlan = FETCH_PLANS[options.name];
  if (!basePlan) {
    throw new UserError(`no download for "${options.name}": ${reader.howToGet}`);
  }
  const plan = withMirror(basePlan, options.mirror);
  const folder = options.dir ?? userDatasetDir(options.name);
  const config: DatasetConfig = { name: options.name, root: folder };
  log(plan.terms);
  for (const source of plan.sources) {
    // The archive stays beside the data: a later fetch finds it, checks it and skips the download.
    const file = await download(source, folder, options.fetchImpl, log);
    if (plan.unpack && !reader.locate(config)) {
      log(`${source.file}: unpacking in ${folder}`);
      extractArchive(file, folder);
    }
  }
  const found = reader.locate(config);
  if (!found || !fs.existsSync(found)) throw new UserError(`"${options.name}" was downloaded to ${folder} but its files are not where the reader looks; check the archive`);
  return found;
}
