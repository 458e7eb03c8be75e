// Files that are never seen half-written: write a temp file beside the target, fsync it, rename it
// over the target (atomic on POSIX), then fsync the folder so the rename survives a power loss.
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some filesystems refuse to fsync a directory; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

const WRITE_FAILURES: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exceeded',
  EACCES: 'not writable (permission denied)',
  EPERM: 'not writable (permission denied)',
  EROFS: 'not writable (the filesystem is read-only)',
  ENOTDIR: 'a parent of it is not a folder',
  EEXIST: 'a parent of it is a file, not a folder',
  ENAMETOOLONG: 'the path is too long (the system allows 255 bytes per name and 4,096 in all)',
};

/** Turns an fs error into a UserError naming the path (disk full, read-only, no permission). */
export function explainWriteError(err: unknown, target: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code && WRITE_FAILURES[code]) return new UserError(`cannot write ${target}: ${WRITE_FAILURES[code]}`);
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * mkdir -p, one folder at a time: Node's recursive mkdir reports ENOENT where a read-only
 * filesystem refused the folder, which would read as a bug; this way the real cause comes back.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let current = path.resolve(dir); !fs.existsSync(current); current = path.dirname(current)) {
    missing.push(current);
    if (path.dirname(current) === current) break;
  }
  for (const folder of missing.reverse()) {
    try {
      fs.mkdirSync(folder);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !fs.statSync(folder).isDirectory()) throw err;
    }
  }
}

export function writeFileAtomic(target: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.tmp-${process.pid}`);
  let fd: number | undefined;
  try {
    makeFolders(dir);
    fd = fs.openSync(temp, 'w');
    const chunks = typeof data === 'string' ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data;
    for (const chunk of chunks) {
      let offset = 0;
      while (offset < chunk.byteLength) offset += fs.writeSync(fd, chunk, offset, chunk.byteLength - offset);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, target);
    fsyncDir(dir);
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // the folder itself is unusable; nothing was left in it
    }
    throw explainWriteError(err, target);
  }
}

export function writeJsonAtomic(target: string, value: unknown): void {
  writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`);
}

/** mkdir -p, with the same clear error as a failed write. */
export function ensureDir(dir: string): void {
  try {
    makeFolders(dir);
  } catch (err) {
    throw explainWriteError(err, dir);
  }
}
