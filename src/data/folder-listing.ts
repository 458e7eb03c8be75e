// Small helpers for datasets stored as folders of files and text indexes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors';

/** Image file extensions the folder datasets hold (case-insensitive). */
const IMAGE_EXTENSIONS = new Set(['.jpeg', '.jpg', '.png']);

export function isImageFileName(name: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase());
}

/** Sub-folder names, sorted (plain files such as README.txt are skipped). */
export function subfolders(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/**
 * The files of a class folder, sorted. Anything that is not an image by its extension is an error
 * naming the file: a stray file in a class folder means the folder is not what the reader thinks.
 * Hidden files (.DS_Store and the like) are ignored.
 */
export function imageFiles(dir: string): string[] {
  const names = fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isFile() && !d.name.startsWith('.'));
  const stray = names.find((d) => !isImageFileName(d.name));
  if (stray) throw new UserError(`${path.join(dir, stray.name)}: not an image file (expected .JPEG, .jpg or .png in a class folder)`);
  return names.map((d) => d.name).sort();
}

/** The non-empty lines of a text file, split on whitespace (or tabs). */
export function readTable(file: string, separator: RegExp = /\s+/): string[][] {
  if (!fs.existsSync(file)) throw new UserError(`${file}: missing`);
  return fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => l.split(separator));
}

/** The lines of a class list (data/classes or a dataset's own wnids.txt). */
export function readLines(file: string): string[] {
  return readTable(file).map((fields) => fields[0]);
}
