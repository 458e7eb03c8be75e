// One PNG of mixed training samples, each captioned with its lambda, under a title naming the method,
// so a user sees what the model saw. Pixels are enlarged with nearest-neighbour (cells stay sharp).
import sharp from 'sharp';
import { writeFileAtomic } from '../io/atomic-file';

export interface SampleImage {
  /** H x W x C uint8 pixels (C = 1 or 3). */
  pixels: Uint8Array;
  caption: string;
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

export function textImage(text: string, width: number, height: number, fontSize: number): Buffer {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text x="4" y="${Math.round(height * 0.72)}" font-family="DejaVu Sans, sans-serif" font-size="${fontSize}">${escapeXml(text)}</text></svg>`;
  return Buffer.from(svg);
}

export async function writeSampleGrid(file: string, args: SampleGridArgs): Promise<void> {
  const { height, width, channels, samples } = args;
  const columns = args.columns ?? Math.min(8, samples.length);
  const rows = Math.ceil(samples.length / columns);
  const scale = Math.max(1, Math.floor(96 / Math.max(height, width)));
  const cellW = width * scale;
  const cellH = height * scale;
  const captionH = 16;
  const titleH = 24;
  const pad = 4;
  const canvasW = columns * (cellW + pad) + pad;
  const canvasH = titleH + rows * (cellH + captionH + pad) + pad;

  const layers: sharp.OverlayOptions[] = [{ input: await sharp(textImage(args.title, canvasW, titleH, 14)).png().toBuffer(), left: 0, top: 0 }];
  for (let i = 0; i < samples.length; i++) {
    const left = pad + (i % columns) * (cellW + pad);
    const top = titleH + Math.floor(i / columns) * (cellH + captionH + pad);
    const image = await sharp(Buffer.from(samples[i].pixels), { raw: { width, height, channels: channels as 1 | 3 } })
      .resize(cellW, cellH, { kernel: 'nearest' })
      .png()
      .toBuffer();
    layers.push({ input: image, left, top });
    const caption = await sharp(textImage(samples[i].caption, cellW, captionH, 10)).png().toBuffer();
    layers.push({ input: caption, left, top: top + cellH });
  }
  const png = await sharp({ create: { width: canvasW, height: canvasH, channels: 3, background: '#ffffff' } })
    .composite(layers)
    .png()
    .toBuffer();
  writeFileAtomic(file, png);
}
