import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { download, verifyChecksum, type Fetch } from '../../src/data/download';
import { extractArchive } from '../../src/data/extract';
import { fetchDataset } from '../../src/data/registry';
import { isolateUserCache, tempFolder } from './fixtures';

isolateUserCache();

const payload = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) % 256));
const md5 = createHash('md5').update(payload).digest('hex');
const sha256 = createHash('sha256').update(payload).digest('hex');

/** A server in a function: serves `body`, honouring Range requests; records the ranges asked for. */
function fakeServer(body: Buffer, ranges: string[] = []): Fetch {
  return (async (_url: string, init?: RequestInit) => {
    const range = (init?.headers as Record<string, string> | undefined)?.Range;
    if (range) {
      ranges.push(range);
      const start = Number(/bytes=(\d+)-/.exec(range)![1]);
      if (start >= body.length) return new Response(null, { status: 416 });
      return new Response(new Uint8Array(body.subarray(start)), { status: 206 });
    }
    return new Response(new Uint8Array(body), { status: 200 });
  }) as Fetch;
}

/** A local port that was free a moment ago. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

test('download: writes the file once its checksums match, no .part left', async () => {
  const dir = tempFolder('dl');
  const file = await download({ url: 'http://example.invalid/a.bin', file: 'a.bin', md5, sha256 }, dir, fakeServer(payload));
  assert.deepEqual(fs.readFileSync(file), payload);
  assert.deepEqual(fs.readdirSync(dir), ['a.bin']);
});

test('download: resumes a .part file with a Range request', async () => {
  const dir = tempFolder('dl-resume');
  fs.writeFileSync(path.join(dir, 'a.bin.part'), payload.subarray(0, 1234));
  const ranges: string[] = [];
  const file = await download({ url: 'http://example.invalid/a.bin', file: 'a.bin', md5 }, dir, fakeServer(payload, ranges));
  assert.deepEqual(ranges, ['bytes=1234-']);
  assert.deepEqual(fs.readFileSync(file), payload);
});

test('download: a complete .part file (416 to the Range request) is checked and kept', async () => {
  const dir = tempFolder('dl-complete');
  fs.writeFileSync(path.join(dir, 'a.bin.part'), payload);
  const file = await download({ url: 'http://example.invalid/a.bin', file: 'a.bin', md5 }, dir, fakeServer(payload));
  assert.deepEqual(fs.readFileSync(file), payload);
  assert.deepEqual(fs.readdirSync(dir), ['a.bin']);
});

test('download: a checksum mismatch is a UserError and removes the bad .part', async () => {
  const dir = tempFolder('dl-bad');
  const corrupted = Buffer.from(payload);
  corrupted[100] ^= 1;
  await assert.rejects(download({ url: 'http://example.invalid/a.bin', file: 'a.bin', md5 }, dir, fakeServer(corrupted)), (err: Error) => {
    assert.equal(err.name, 'UserError');
    assert.match(err.message, new RegExp(`a\\.bin\\.part: md5 [0-9a-f]{32}, expected ${md5}`));
    return true;
  });
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('download: a file already there is checked, not downloaded again', async () => {
  const dir = tempFolder('dl-local');
  fs.writeFileSync(path.join(dir, 'a.bin'), payload);
  const refuse = (async () => assert.fail('no request expected')) as unknown as Fetch;
  assert.equal(await download({ url: 'http://example.invalid/a.bin', file: 'a.bin', md5, sha256 }, dir, refuse), path.join(dir, 'a.bin'));
  await verifyChecksum(path.join(dir, 'a.bin'), { url: '', file: 'a.bin', md5 });
  await assert.rejects(verifyChecksum(path.join(dir, 'a.bin'), { url: '', file: 'a.bin', sha256: '0'.repeat(64) }), /sha256 [0-9a-f]{64}, expected 0{64}/);
});

test('fetch offline: one line naming the URL and where to put the file by hand', async () => {
  const dir = tempFolder('offline');
  const offline = (async () => {
    throw new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } });
  }) as unknown as Fetch;
  await assert.rejects(fetchDataset({ name: 'cifar100', dir, fetchImpl: offline }), (err: Error) => {
    assert.equal(err.name, 'UserError');
    assert.equal(
      err.message,
      `could not download https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz (ENOTFOUND; offline?); download it by hand to ${path.join(dir, 'cifar-100-binary.tar.gz')} and run the same fetch again to check and unpack it`,
    );
    return true;
  });
  // The real fetch against a port nothing listens on (any more), through --mirror.
  const port = await closedPort();
  await assert.rejects(
    fetchDataset({ name: 'fashion-mnist', dir, mirror: `http://127.0.0.1:${port}/` }),
    new RegExp(`could not download http://127\\.0\\.0\\.1:${port}/train-images-idx3-ubyte\\.gz \\(ECONNREFUSED; offline\\?\\)`),
  );
});

test('fetch with an archive placed by hand: its checksum is checked against the official one', async () => {
  const dir = tempFolder('by-hand');
  fs.writeFileSync(path.join(dir, 'cifar-10-binary.tar.gz'), 'not the real archive');
  const refuse = (async () => assert.fail('no request expected')) as unknown as Fetch;
  await assert.rejects(fetchDataset({ name: 'cifar10', dir, fetchImpl: refuse }), /cifar-10-binary\.tar\.gz: md5 [0-9a-f]{32}, expected c32a1d4ab5d03f1284b67883e8d87530/);
});

test('fetch refuses ImageNet and ImageNet-A and says how to get them', async () => {
  await assert.rejects(fetchDataset({ name: 'imagenet' }), /no download for "imagenet": .*image-net\.org/);
  await assert.rejects(fetchDataset({ name: 'imagenet-a' }), /no download for "imagenet-a": .*hendrycks/);
  await assert.rejects(fetchDataset({ name: 'nope' }), /unknown dataset "nope"/);
});

test('extractArchive unpacks a tar.gz into the folder, and a damaged one is reported', () => {
  const source = tempFolder('tar-src');
  fs.mkdirSync(path.join(source, 'cifar-10-batches-bin'));
  fs.writeFileSync(path.join(source, 'cifar-10-batches-bin', 'test_batch.bin'), 'x');
  const archive = path.join(tempFolder('tar'), 'a.tar.gz');
  assert.equal(spawnSync('tar', ['-czf', archive, '-C', source, 'cifar-10-batches-bin']).status, 0);
  const into = tempFolder('tar-into');
  assert.deepEqual(extractArchive(archive, into), ['cifar-10-batches-bin']);
  assert.equal(fs.readFileSync(path.join(into, 'cifar-10-batches-bin', 'test_batch.bin'), 'utf8'), 'x');
  assert.deepEqual(fs.readdirSync(into), ['cifar-10-batches-bin'], 'no staging folder left');
  fs.writeFileSync(archive, 'garbage');
  assert.throws(() => extractArchive(archive, into), /a\.tar\.gz: tar failed/);
});
