// Where datasets live: a folder given in the config, the user cache, then system-wide folders.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The user cache root: $GRIDMIX_CACHE, else $XDG_CACHE_HOME/gridmix, else ~/.cache/gridmix. */
export function userCacheRoot(): string {
  const explicit = process.env.GRIDMIX_CACHE;
  if (explicit) return path.resolve(explicit);
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg ? path.resolve(xdg) : path.join(os.homedir(), '.cache'), 'gridmix');
}

/** The folder of one dataset in the user cache (where `gridmix data fetch` puts it). */
export function userDatasetDir(name: string): string {
  return path.join(userCacheRoot(), name);
}

/** Where decoded images of folder datasets are cached. */
export function decodedCacheDir(override?: string): string {
  return override ? path.resolve(override) : path.join(userCacheRoot(), 'decoded');
}

let cachedRepoRoot: string | undefined;

/** The gridmix checkout (the folder whose package.json is named gridmix), found from this file. */
export function repoRoot(): string {
  if (cachedRepoRoot) return cachedRepoRoot;
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const name = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name;
      if (name === 'gridmix') return (cachedRepoRoot = dir);
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`gridmix package.json not found above ${__dirname}`);
    dir = parent;
  }
}

/** The class lists shipped with the repository (data/classes). */
export function classListPath(file: string): string {
  return path.join(repoRoot(), 'data', 'classes', file);
}

/** The folders to search for a dataset, in order, without duplicates. */
export function searchFolders(configRoot: string | undefined, name: string, systemFolders: readonly string[] = []): string[] {
  const folders = [configRoot ? path.resolve(configRoot) : undefined, userDatasetDir(name), ...systemFolders];
  return [...new Set(folders.filter((f): f is string => f !== undefined))];
}

/**
 * The first folder holding every one of `files`, looking in each candidate itself and in the
 * archive's top folder inside it (e.g. <root>/cifar-10-batches-bin), so users may point at either.
 */
export function findFolderWith(candidates: readonly string[], files: readonly string[], archiveFolder?: string): string | undefined {
  for (const candidate of candidates) {
    const inner = archiveFolder ? [candidate, path.join(candidate, archiveFolder)] : [candidate];
    for (const dir of inner) {
      if (files.every((f) => fs.existsSync(path.join(dir, f)))) return dir;
    }
  }
  return undefined;
}
