// The last line of a run's log: what `gridmix status` and the executors show for a failed run.
import * as fs from 'fs';

/** The last non-empty line of `file` (read from its last 64 KiB), or undefined. */
export function lastLogLine(file: string): string | undefined {
  let text: string;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const length = Math.min(size, 65536);
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, size - length);
      text = buffer.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const lines = text.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const last = lines.at(-1);
  return last && last.length > 300 ? `${last.slice(0, 297)}...` : last;
}
