// One PNG of mixed training samples, each captioned with its lambda, under a title naming the method,
// so a user sees what the model saw. Pixels are enlarged with nearest-neighbour (cells stay sharp).
import sharp from 'sharp';
import { writeFileAtomic } from '../io/atomic-file';

export interface SampleImage {
  /** H x W x C uint8 pixels (C = 1 or 3). */
  pixels: Uint8Array;
  /** Lines under the thumbnail (class names whole: never cut mid-word). */
  caption: string[];
}

export interface SampleGridArgs {
  title: string;
  height: number;
  width: number;
  channels: number;
  samples: SampleImage[];
  columns?: number;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Lines of text on white, one `lineHeight` each, as an SVG for sharp to render. */
export function textImage(lines: readonly string[], width: number, lineHeight: number, fontSize: number): Buffer {
  const text = lines
    .map((line, i) => `<text x="2" y="${Math.round(lineHeight * (i + 0.78))}" font-family="DejaVu Sans, sans-serif" font-size="${fontSize}">${escapeXml(line)}</text>`)
    .join('');
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${lineHeight * lines.length}">` +
    `<rect width="100%" height="100%" fill="white"/>${text}</svg>`;
  return Buffer.from(svg);
}

/** DejaVu Sans averages ~0.6 em per character; a little more keeps wide letters inside the cell. */
const EM_PER_CHAR = 0.62;
const MAX_CAPTION_FONT = 10;
const MIN_CAPTION_FONT = 6;

/**
 * The font size at which every caption line fits `width` pixels (at most 10 px). Where a line does
 * not fit even at 6 px (a 26-letter CUB class under a 28-pixel thumbnail), the thumbnail is widened
 * instead (the returned width): names are never cut.
 */
export function captionLayout(captions: readonly (readonly string[])[], width: number): { fontSize: number; width: number } {
  const longest = Math.max(1, ...captions.flat().map((line) => line.length));
  const fontSize = Math.max(MIN_CAPTION_FONT, Math.min(MAX_CAPTION_FONT, Math.floor((width - 4) / (longest * EM_PER_CHAR))));
  return { fontSize, width: Math.max(width, Math.ceil(longest * EM_PER_CHAR * fontSize) + 4) };
}

export async function writeSampleGrid(file: string, args: SampleGridArgs): Promise<void> {
  const { height, width, channels, samples } = args;
  const columns = args.columns ?? Math.min(8, samples.length);
  const rows = Math.ceil(samples.length / columns);
  const scale = Math.max(1, Math.floor(96 / Math.max(height, width)));
  const imageW = width * scale;
  const cellH = height * scale;
  const caption = captionLayout(samples.map((s) => s.caption), imageW);
  const cellW = caption.width;
  const lineH = caption.fontSize + 4;
  const captionH = lineH * Math.max(1, ...samples.map((s) => s.caption.length));
  const titleH = 24;
  const pad = 4;
  const canvasW = columns * (cellW + pad) + pad;
  const canvasH = titleH + rows * (cellH + captionH + pad) + pad;

  const layers: sharp.OverlayOptions[] = [{ input: await sharp(textImage([args.title], canvasW, titleH, 14)).png().toBuffer(), left: 0, top: 0 }];
  for (let i = 0; i < samples.length; i++) {
    const left = pad + (i % columns) * (cellW + pad) + Math.floor((cellW - imageW) / 2);
    const top = titleH + Math.floor(i / columns) * (cellH + captionH + pad);
    const image = await sharp(Buffer.from(samples[i].pixels), { raw: { width, height, channels: channels as 1 | 3 } })
      .resize(imageW, cellH, { kernel: 'nearest' })
      .png()
      .toBuffer();
    layers.push({ input: image, left, top });
    const text = await sharp(textImage(samples[i].caption, cellW, lineH, caption.fontSize)).png().toBuffer();
    layers.push({ input: text, left: pad + (i % columns) * (cellW + pad), top: top + cellH });
  }
  const png = await sharp({ create: { width: canvasW, height: canvasH, channels: 3, background: '#ffffff' } })
    .composite(layers)
    .png()
    .toBuffer();
  writeFileAtomic(file, png);
}
