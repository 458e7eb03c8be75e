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

/** Turns an fs error into a UserError naming the path (disk full, read-only, no permission). */
export function explainWriteError(err: unknown, target: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is exceeded',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the filesystem is read-only',
    ENOTDIR: 'a parent of it is not a folder',
    EEXIST: 'a parent of it is a file, not a folder',
  };
  if (code && reasons[code]) return new UserError(`cannot write ${target}: ${reasons[code]}`);
  return err instanceof Error ? err : new Error(String(err));
}

export function writeFileAtomic(target: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.tmp-${process.pid}`);
  let fd: number | undefined;
  try {
    fs.mkdirSync(dir, { recursive: true });
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
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw explainWriteError(err, dir);
  }
}
