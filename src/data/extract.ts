// Unpacking downloaded archives with the system's tar and unzip (present on every Linux and macOS),
// into a temp folder first, so a half-unpacked archive never looks like a dataset.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors';

function commandFor(archive: string, into: string): [string, string[]] {
  const name = archive.toLowerCase();
  if (name.endsWith('.zip')) return ['unzip', ['-q', archive, '-d', into]];
  if (name.endsWith('.tar.gz') || name.endsWith('.tgz')) return ['tar', ['-xzf', archive, '-C', into]];
  if (name.endsWith('.tar')) return ['tar', ['-xf', archive, '-C', into]];
  throw new Error(`no unpacker for ${archive}`);
}

/** Unpacks `archive` into `folder`; its top-level entries replace any of the same name. */
export function extractArchive(archive: string, folder: string): string[] {
  const staging = fs.mkdtempSync(path.join(folder, '.unpacking-'));
  try {
    const [command, args] = commandFor(archive, staging);
    const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    if (result.error) throw new UserError(`cannot run ${command} to unpack ${archive}: ${result.error.message}; unpack it by hand in ${folder}`);
    if (result.status !== 0) {
      const reason = result.stderr.toString().trim().split('\n')[0];
      throw new UserError(`${archive}: ${command} failed (${reason}); the archive may be damaged`);
    }
    const entries = fs.readdirSync(staging);
    for (const entry of entries) {
      fs.rmSync(path.join(folder, entry), { recursive: true, force: true });
      fs.renameSync(path.join(staging, entry), path.join(folder, entry));
    }
    return entries;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
