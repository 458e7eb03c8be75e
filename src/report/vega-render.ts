// Charts are vega-lite specifications rendered by vega in Node, without a browser or a canvas
// (renderer 'none': the scenegraph goes straight to SVG text), and rasterised by sharp where a PNG is
// wanted. vega and vega-lite are ES modules only; this CommonJS project loads them with import().
import sharp from 'sharp';

/** A vega-lite specification (kept loose here: vega-lite validates it when compiling). */
export type VegaLiteSpec = Record<string, unknown>;

type Vega = typeof import('vega', { with: { 'resolution-mode': 'import' } });
type VegaLite = typeof import('vega-lite', { with: { 'resolution-mode': 'import' } });

let modules: Promise<[Vega, VegaLite]> | undefined;

function loadVega(): Promise<[Vega, VegaLite]> {
  modules ??= Promise.all([import('vega'), import('vega-lite')]);
  return modules;
}

/** The chart as one standalone SVG document. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const [vega, vegaLite] = await loadVega();
  const compiled = vegaLite.compile(spec as unknown as Parameters<VegaLite['compile']>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** An SVG rasterised to PNG at `density` dots per inch (72 = the SVG's own pixel size). */
export function svgToPng(svg: string, density = 144): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density }).flatten({ background: '#ffffff' }).png().toBuffer();
}
