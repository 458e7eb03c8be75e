// One checkpoint = one file, written atomically: a JSON header (epoch, RNG and loader state,
// metrics so far, tensor index) and the raw float32 data of every named variable after it.
// Layout: "GRIDMIX-CKPT-1\n" | uint32 LE header length | header JSON | tensor bytes.
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors';
import { writeFileAtomic } from '../io/atomic-file';
import type { NamedVariable } from '../models/model';

const MAGIC = 'GRIDMIX-CKPT-1\n';

interface TensorEntry {
  name: string;
  shape: number[];
  offset: number; // in float32 elements
}

export interface CheckpointFile<Meta> {
  meta: Meta;
  tensors: Map<string, { shape: number[]; values: Float32Array }>;
}

/** Reads every variable (awaited: no backend blocks the thread), then writes the file atomically. */
export async function saveCheckpoint<Meta>(file: string, meta: Meta, variables: readonly NamedVariable[]): Promise<void> {
  const entries: TensorEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const read = await Promise.all(variables.map(({ variable }) => variable.data() as Promise<Float32Array>));
  for (const [k, { name, variable }] of variables.entries()) {
    const values = read[k];
    entries.push({ name, shape: variable.shape, offset });
    chunks.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    offset += values.length;
  }
  const header = Buffer.from(JSON.stringify({ meta, tensors: entries }));
  const prefix = Buffer.alloc(MAGIC.length + 4);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(header.length, MAGIC.length);
  writeFileAtomic(file, [prefix, header, ...chunks]);
}

export function readCheckpoint<Meta>(file: string): CheckpointFile<Meta> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    throw new UserError(`no checkpoint at ${file}`);
  }
  if (bytes.length < MAGIC.length + 4 || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    throw new UserError(`${file} is not a gridmix checkpoint`);
  }
  const headerLength = bytes.readUInt32LE(MAGIC.length);
  const dataStart = MAGIC.length + 4 + headerLength;
  const header = JSON.parse(bytes.toString('utf8', MAGIC.length + 4, dataStart)) as { meta: Meta; tensors: TensorEntry[] };
  const totalFloats = header.tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.length !== dataStart + totalFloats * 4) {
    throw new UserError(`${file} is truncated or corrupt (${bytes.length} bytes, expected ${dataStart + totalFloats * 4})`);
  }
  // Copy into an aligned buffer: the header length need not be a multiple of 4.
  const floats = new Float32Array(totalFloats);
  new Uint8Array(floats.buffer).set(bytes.subarray(dataStart));
  const tensors = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const t of header.tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    tensors.set(t.name, { shape: t.shape, values: floats.subarray(t.offset, t.offset + size) });
  }
  return { meta: header.meta, tensors };
}

/** Assigns checkpoint values to variables; a missing name or a shape mismatch is a UserError. */
export function restoreVariables(
  checkpoint: CheckpointFile<unknown>, variables: readonly NamedVariable[], source: string,
): void {
  for (const { name, variable } of variables) {
    const saved = checkpoint.tensors.get(name);
    if (!saved) throw new UserError(`checkpoint ${source} has no tensor "${name}" (was it made with another backbone or config?)`);
    if (saved.shape.join('x') !== variable.shape.join('x')) {
      throw new UserError(
        `checkpoint ${source}: "${name}" has shape [${saved.shape}] but the model has [${variable.shape}] (another backbone or class count?)`,
      );
    }
    tf.tidy(() => variable.assign(tf.tensor(saved.values, saved.shape)));
  }
}
