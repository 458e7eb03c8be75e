// The pictures of Fig. 2 and the CAM boxes: an image enlarged (nearest neighbour, so pixels stay
// sharp), a heat map laid over it with sharp's compositing, boxes drawn as an SVG overlay, and the
// panels arranged in a labelled grid (one column per run, one row per image).
import sharp from 'sharp';
import type { Box } from '../../eval/localization-box';
import { writeFileAtomic } from '../../io/atomic-file';
import { textImage } from '../sample-grid';

export interface ImagePixels {
  /** H x W x C uint8, C = 1 or 3. */
  pixels: Uint8Array;
  height: number;
  width: number;
  channels: number;
}

/** The "jet" colour scale, as stops on [0, 1]: blue (cold) through cyan, yellow to red (hot). */
const JET: [number, number, number, number][] = [
  [0, 0, 0, 143],
  [0.125, 0, 0, 255],
  [0.375, 0, 255, 255],
  [0.625, 255, 255, 0],
  [0.875, 255, 0, 0],
  [1, 128, 0, 0],
];

/** A map with values in [0, 1] as RGBA pixels of the jet scale, all at one opacity. */
export function heatColours(map: ArrayLike<number>, alpha: number): Uint8Array {
  const rgba = new Uint8Array(map.length * 4);
  for (let k = 0; k < map.length; k++) {
    const v = Math.min(1, Math.max(0, Number.isFinite(map[k]) ? map[k] : 0));
    let s = 1;
    while (s < JET.length - 1 && JET[s][0] < v) s++;
    const [v0, r0, g0, b0] = JET[s - 1];
    const [v1, r1, g1, b1] = JET[s];
    const t = (v - v0) / (v1 - v0);
    rgba[4 * k] = Math.round(r0 + t * (r1 - r0));
    rgba[4 * k + 1] = Math.round(g0 + t * (g1 - g0));
    rgba[4 * k + 2] = Math.round(b0 + t * (b1 - b0));
    rgba[4 * k + 3] = Math.round(alpha * 255);
  }
  return rgba;
}

/** The image as an RGB PNG of size x size pixels. */
export function imagePanel(image: ImagePixels, size: number): Promise<Buffer> {
  return sharp(Buffer.from(image.pixels), { raw: { width: image.width, height: image.height, channels: image.channels as 1 | 3 } })
    .resize(size, size, { kernel: 'nearest', fit: 'fill' })
    .toColourspace('srgb')
    .png()
    .toBuffer();
}

export interface OverlayBox {
  box: Box;
  colour: string;
}

/**
 * The image with the map (image resolution, values in [0, 1]) laid over it at 50% opacity and the
 * boxes (image pixel coordinates) outlined on top.
 */
export async function heatPanel(image: ImagePixels, map: ArrayLike<number>, size: number, boxes: OverlayBox[] = []): Promise<Buffer> {
  const heat = await sharp(Buffer.from(heatColours(map, 0.5)), { raw: { width: image.width, height: image.height, channels: 4 } })
    .resize(size, size, { kernel: 'linear', fit: 'fill' })
    .png()
    .toBuffer();
  const layers: sharp.OverlayOptions[] = [{ input: heat, left: 0, top: 0 }];
  if (boxes.length) {
    const sx = size / image.width;
    const sy = size / image.height;
    const rects = boxes
      .map(({ box, colour }) => {
        const x = box.x0 * sx;
        const y = box.y0 * sy;
        return `<rect x="${x + 1}" y="${y + 1}" width="${Math.max(0, (box.x1 - box.x0) * sx - 2)}" height="${Math.max(0, (box.y1 - box.y0) * sy - 2)}" fill="none" stroke="${colour}" stroke-width="2"/>`;
      })
      .join('');
    layers.push({ input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">${rects}</svg>`), left: 0, top: 0 });
  }
  return sharp(await imagePanel(image, size)).composite(layers).png().toBuffer();
}

export interface PanelGridArgs {
  title: string;
  columnTitles: string[];
  rowTitles: string[];
  /** cells[row][column]: PNGs of panelSize x panelSize. */
  cells: Buffer[][];
  panelSize: number;
  /** A line under the grid (the legend of the colours). */
  footnote?: string;
}

/** Words in lines of at most `perLine` characters (a longer word gets a line of its own). */
export function wrapWords(text: string, perLine: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= perLine) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

export async function writePanelGrid(file: string, args: PanelGridArgs): Promise<Buffer> {
  const pad = 6;
  const titleH = 26;
  const headH = 32;
  const rowLabelW = 90;
  const footH = args.footnote ? 22 : 0;
  const columns = args.columnTitles.length;
  // Wide enough for the title (~7.6 px per character at 14 px).
  const width = Math.max(rowLabelW + columns * (args.panelSize + pad) + pad, Math.ceil(args.title.length * 7.6) + 8);
  const height = titleH + headH + args.cells.length * (args.panelSize + pad) + pad + footH;
  const layers: sharp.OverlayOptions[] = [{ input: await sharp(textImage(args.title, width, titleH, 14)).png().toBuffer(), left: 0, top: 0 }];
  for (let c = 0; c < columns; c++) {
    const left = rowLabelW + pad + c * (args.panelSize + pad);
    const lines = wrapWords(args.columnTitles[c], Math.floor(args.panelSize / 6.4)).slice(0, 2);
    for (let l = 0; l < lines.length; l++) {
      layers.push({ input: await sharp(textImage(lines[l], args.panelSize, 15, 11)).png().toBuffer(), left, top: titleH + l * 15 });
    }
  }
  for (let r = 0; r < args.cells.length; r++) {
    const top = titleH + headH + r * (args.panelSize + pad);
    layers.push({ input: await sharp(textImage(args.rowTitles[r], rowLabelW, 16, 11)).png().toBuffer(), left: 0, top: top + Math.floor(args.panelSize / 2) - 8 });
    for (let c = 0; c < columns; c++) layers.push({ input: args.cells[r][c], left: rowLabelW + pad + c * (args.panelSize + pad), top });
  }
  if (args.footnote) layers.push({ input: await sharp(textImage(args.footnote, width, footH, 11)).png().toBuffer(), left: 0, top: height - footH });
  const png = await sharp({ create: { width, height, channels: 3, background: '#ffffff' } }).composite(layers).png().toBuffer();
  writeFileAtomic(file, png);
  return png;
}
