// Walking a results tree: each folder's entries are handed to a visitor, which says whether to go
// below it. Folders that cannot be read (removed meanwhile, no permission) are passed over: every
// caller reports what it found, not the folders it could not open.
import * as fs from 'fs';
import * as path from 'path';

/** 'descend' visits the folder's sub-folders (up to the depth); 'stop' does not. */
export type WalkStep = 'descend' | 'stop';

/**
 * Calls `visit` for `root` and for every sub-folder down to `depth` levels below it whose parent's
 * visit said 'descend', except those named in `skip` (e.g. checkpoint/, tables/).
 */
export function walkFolders(
  root: string, depth: number, skip: readonly string[], visit: (dir: string, entries: fs.Dirent[], level: number) => WalkStep,
): void {
  const walk = (dir: string, level: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (visit(dir, entries, level) === 'stop' || level >= depth) return;
    for (const e of entries) if (e.isDirectory() && !skip.includes(e.name)) walk(path.join(dir, e.name), level + 1);
  };
  walk(root, 0);
}
