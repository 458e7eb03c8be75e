// md5 / sha256 of files and buffers, streamed so multi-gigabyte archives need no memory.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

export type HashAlgorithm = 'md5' | 'sha256';

export async function fileDigest(file: string, algorithm: HashAlgorithm): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function bufferDigest(bytes: Uint8Array, algorithm: HashAlgorithm): string {
  return createHash(algorithm).update(bytes).digest('hex');
}
