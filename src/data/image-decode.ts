// Decoding an image file to uint8 RGB HWC at a fixed square size, with sharp (libvips).
import sharp from 'sharp';
import { UserError } from '../errors';

/**
 * How an image of any shape becomes size x size:
 * - 'stretch': resize to size x size, aspect ratio not kept (CUB: boxes map exactly; Tiny ImageNet is already square);
 * - 'cover': shorter side to `size`, centre crop (ImageNet training images, before the random-resized crop);
 * - 'centre-crop': shorter side to size * 256 / 224, centre crop (the standard evaluation resize).
 */
export type ResizeMode = 'stretch' | 'cover' | 'centre-crop';

/** Maps a point of the original image to the decoded one: x' = x * scaleX - offsetX. */
export interface PixelMapping {
  scaleX: number;
  scaleY: number;
  offsetX: number;
  offsetY: number;
}

export interface DecodedImage {
  pixels: Uint8Array;
  mapping: PixelMapping;
}

export async function decodeImage(file: string, size: number, mode: ResizeMode): Promise<DecodedImage> {
  try {
    // failOn 'error' (sharp's default is 'warning'): a JPEG with recoverable damage, of which ImageNet
    // has a few ("extraneous bytes"), decodes as it does in PIL instead of stopping the whole load.
    // Greyscale, CMYK and alpha images all come out as 3-channel sRGB.
    const image = sharp(file, { failOn: 'error' }).removeAlpha().toColourspace('srgb');
    const { width, height } = await image.metadata();
    if (!width || !height) throw new Error('no image size');
    const geometry = resizeGeometry(width, height, size, mode);
    let pipeline = image.resize(geometry.resizedWidth, geometry.resizedHeight, { fit: 'fill', kernel: 'lanczos3' });
    if (geometry.resizedWidth !== size || geometry.resizedHeight !== size) {
      pipeline = pipeline.extract({ left: geometry.mapping.offsetX, top: geometry.mapping.offsetY, width: size, height: size });
    }
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== size || info.height !== size) {
      throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}, expected ${size}x${size}x3`);
    }
    return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), mapping: geometry.mapping };
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UserError(`${file}: not a readable image (${reason})`);
  }
}

function resizeGeometry(width: number, height: number, size: number, mode: ResizeMode) {
  if (mode === 'stretch') {
    return { resizedWidth: size, resizedHeight: size, mapping: { scaleX: size / width, scaleY: size / height, offsetX: 0, offsetY: 0 } };
  }
  const shorter = mode === 'cover' ? size : Math.round((size * 256) / 224);
  const scale = shorter / Math.min(width, height);
  const resizedWidth = Math.max(size, Math.round(width * scale));
  const resizedHeight = Math.max(size, Math.round(height * scale));
  const offsetX = Math.floor((resizedWidth - size) / 2);
  const offsetY = Math.floor((resizedHeight - size) / 2);
  return {
    resizedWidth,
    resizedHeight,
    mapping: { scaleX: resizedWidth / width, scaleY: resizedHeight / height, offsetX, offsetY },
  };
}

/** A box [x0, y0, x1, y1] of the original image in the decoded image's pixels, clipped to it. */
export function mapBox(box: readonly number[], mapping: PixelMapping, size: number): [number, number, number, number] {
  const clip = (v: number) => Math.min(Math.max(v, 0), size);
  return [
    clip(box[0] * mapping.scaleX - mapping.offsetX),
    clip(box[1] * mapping.scaleY - mapping.offsetY),
    clip(box[2] * mapping.scaleX - mapping.offsetX),
    clip(box[3] * mapping.scaleY - mapping.offsetY),
  ];
}
