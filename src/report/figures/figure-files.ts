// The figures `gridmix figure` wrote: each PNG with the JSON beside it (same stem), which says what
// the figure is. The HTML report shows every one it finds.
import * as fs from 'fs';
import * as path from 'path';

export interface FigureFile {
  png: string;
  json: string;
  /** 'attention' | 'attention-cam' | 'penultimate' */
  kind: string;
  title: string;
  /** The JSON's content (the report prints its per-run numbers). */
  data: Record<string, unknown>;
}

/** Figures in `dir` (none when it does not exist), by file name; a PNG without a readable JSON beside it is not a gridmix figure. */
export function listFigures(dir: string): FigureFile[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
  const figures: FigureFile[] = [];
  for (const name of names.filter((n) => n.endsWith('.png'))) {
    const json = path.join(dir, `${name.slice(0, -4)}.json`);
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(fs.readFileSync(json, 'utf8')) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (typeof data.figure !== 'string') continue;
    figures.push({ png: path.join(dir, name), json, kind: data.figure, title: typeof data.title === 'string' ? data.title : name, data });
  }
  return figures;
}
