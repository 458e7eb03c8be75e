// The one interface every dataset reader implements, and the failure it reports when data is missing.
import { UserError } from '../../errors';
import type { Dataset, DatasetShape } from '../dataset';
import type { DatasetConfig } from '../dataset-config';

/** What `gridmix data verify` found. */
export interface VerifyReport {
  folder: string;
  ok: boolean;
  /** One line per check, e.g. "train: 50000 images (expected 50000) ok". */
  lines: string[];
}

export interface DatasetReader {
  readonly name: string;
  /** One line for `gridmix data list`. */
  readonly summary: string;
  /** What a model sees with the default options, known without reading any file (dry runs, reports). */
  readonly shape: DatasetShape;
  /**
   * True for the folder datasets, whose images are decoded to DatasetConfig.imageSize (default:
   * shape.height); the others have one fixed size.
   */
  readonly resizable?: boolean;
  /** How to get the data, one line (download command, URL or licence note). */
  readonly howToGet: string;
  /** Folders searched, in order. */
  searchFolders(config: DatasetConfig): string[];
  /** The folder holding the data, or undefined when it is nowhere. */
  locate(config: DatasetConfig): string | undefined;
  /** Reads both splits into memory (limits applied, per-channel statistics of the training split). */
  load(config: DatasetConfig): Promise<Dataset>;
  /** Checks counts (and checksums where known) without training on the data. */
  verify(config: DatasetConfig): Promise<VerifyReport>;
}

/** The UserError for a dataset found nowhere: every folder looked in and how to get it. */
export function missingDatasetError(reader: DatasetReader, config: DatasetConfig): UserError {
  const looked = reader.searchFolders(config).join(', ');
  return new UserError(`dataset "${reader.name}" not found; looked in: ${looked}. ${reader.howToGet}`);
}

/** The data folder, or the missing-dataset UserError. */
export function requireFolder(reader: DatasetReader, config: DatasetConfig): string {
  const folder = reader.locate(config);
  if (!folder) throw missingDatasetError(reader, config);
  return folder;
}

/** The verify report of a dataset whose only checks are its split sizes. */
export function countReport(
  folder: string,
  found: { train: number; test: number },
  expected: { train: number; test: number },
): VerifyReport {
  const lines: string[] = [];
  let ok = true;
  for (const split of ['train', 'test'] as const) {
    const good = found[split] === expected[split];
    ok &&= good;
    lines.push(`${split}: ${found[split]} images (expected ${expected[split]}) ${good ? 'ok' : 'WRONG'}`);
  }
  return { folder, ok, lines };
}
