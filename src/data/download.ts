// Downloads with checksum verification and resume-safe temp files: bytes go to <file>.part (resumed
// with an HTTP Range request when a previous attempt left one), the checksum is checked, and only then
// is the file renamed to its final name. A file already there with the right checksum is kept.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors';
import { ensureDir } from '../io/atomic-file';
import { fileDigest } from './file-checksum';

export interface DownloadSource {
  url: string;
  /** File name in the destination folder. */
  file: string;
  md5?: string;
  sha256?: string;
}

export type Fetch = typeof fetch;

/** Checks a file against the source's checksum (md5 and/or sha256); a mismatch is a UserError. */
export async function verifyChecksum(file: string, source: DownloadSource): Promise<void> {
  for (const algorithm of ['md5', 'sha256'] as const) {
    const expected = source[algorithm];
    if (!expected) continue;
    const actual = await fileDigest(file, algorithm);
    if (actual !== expected) {
      throw new UserError(`${file}: ${algorithm} ${actual}, expected ${expected} (damaged or a different version; delete it and fetch again)`);
    }
  }
}

/** Downloads `source` into `folder` unless a verified copy is already there; returns the file's path. */
export async function download(source: DownloadSource, folder: string, fetchImpl: Fetch = fetch, log: (line: string) => void = () => {}): Promise<string> {
  ensureDir(folder);
  const target = path.join(folder, source.file);
  if (fs.existsSync(target)) {
    await verifyChecksum(target, source);
    log(`${source.file}: already there, checksum ok`);
    return target;
  }
  const partial = `${target}.part`;
  const resumeFrom = fs.existsSync(partial) ? fs.statSync(partial).size : 0;
  const response = await request(source.url, resumeFrom, fetchImpl, folder, source.file);
  // 416: the .part file already holds every byte (the last attempt died before the rename).
  if (response.status !== 416) {
    // 206: the server continues where the .part file stops; 200: it sends everything, start over.
    const append = resumeFrom > 0 && response.status === 206;
    log(`${source.file}: downloading from ${source.url}${append ? ` (resuming at ${resumeFrom} bytes)` : ''}`);
    await writeBody(response, partial, append);
  }
  try {
    await verifyChecksum(partial, source);
  } catch (err) {
    fs.rmSync(partial, { force: true }); // a bad .part would only be resumed into another bad file
    throw err;
  }
  fs.renameSync(partial, target);
  return target;
}

async function request(url: string, resumeFrom: number, fetchImpl: Fetch, folder: string, file: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetchImpl(url, { headers: resumeFrom > 0 ? { Range: `bytes=${resumeFrom}-` } : {} });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
    throw new UserError(`could not download ${url} (${reason}; offline?); download it by hand to ${path.join(folder, file)} and run the same fetch again to check and unpack it`);
  }
  if (response.status === 416 && resumeFrom > 0) return response;
  if (!response.ok || !response.body) {
    throw new UserError(`could not download ${url}: HTTP ${response.status} ${response.statusText}; download it by hand to ${path.join(folder, file)} and run the same fetch again`);
  }
  return response;
}

async function writeBody(response: Response, file: string, append: boolean): Promise<void> {
  const out = fs.createWriteStream(file, { flags: append ? 'a' : 'w' });
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
  } finally {
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}
