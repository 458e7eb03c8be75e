// The IDX format of (Fashion-)MNIST: a 4-byte magic (0, 0, element type, rank), one big-endian
// uint32 size per dimension, then the elements row-major. Only uint8 elements are needed here.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { UserError } from '../errors';

const UINT8_TYPE = 0x08;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Parses an uncompressed IDX uint8 array; `label` names the file in error messages. */
export function parseIdx(bytes: Uint8Array, label: string, expectedRank: number): IdxArray {
  const headerBytes = 4 + 4 * expectedRank;
  if (bytes.length < headerBytes) {
    throw new UserError(`${label}: ${bytes.length} bytes is too short for an IDX header of rank ${expectedRank} (${headerBytes} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [zero0, zero1, type, rank] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  if (zero0 !== 0 || zero1 !== 0 || type !== UINT8_TYPE || rank !== expectedRank) {
    const found = [zero0, zero1, type, rank].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new UserError(`${label}: IDX magic is ${found}, expected 00 00 08 0${expectedRank} (uint8, rank ${expectedRank})`);
  }
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const expectedBytes = headerBytes + dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== expectedBytes) {
    throw new UserError(`${label}: ${bytes.length} bytes, expected ${expectedBytes} for an IDX array of shape ${dims.join('x')}`);
  }
  // A plain Uint8Array view, not a Buffer: Buffer.slice would share memory where Uint8Array.slice copies.
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, bytes.length - headerBytes) };
}

/** Reads and parses a gzip-compressed IDX file. */
export function readIdxGz(file: string, expectedRank: number): IdxArray {
  const compressed = fs.readFileSync(file);
  let bytes: Buffer;
  try {
    bytes = zlib.gunzipSync(compressed);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new UserError(`${file}: not a complete gzip file (${reason}); expected a gzip-compressed IDX file`);
  }
  return parseIdx(bytes, file, expectedRank);
}

/** Encodes a uint8 array as IDX (for the mini dataset script and the tests). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = UINT8_TYPE;
  header[3] = dims.length;
  dims.forEach((size, d) => header.writeUInt32BE(size, 4 + 4 * d));
  return Buffer.concat([header, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

/** Encodes and gzips (level 9: the mini dataset is committed to the repository). */
export function encodeIdxGz(dims: readonly number[], data: Uint8Array): Buffer {
  return zlib.gzipSync(encodeIdx(dims, data), { level: 9 });
}
