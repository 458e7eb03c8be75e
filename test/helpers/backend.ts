// Tests pick their backend explicitly. The backend-sensitive tests (test/backends/) are written once
// and run on every backend of the test list, through forEachBackend():
//
//   GRIDMIX_TEST_BACKENDS=wasm,wasm+onednn,webgpu,tensorflow   (comma list of TEST_BACKENDS)
//
// Without it the list is what works here: wasm, wasm+onednn where the native addon was built,
// tensorflow where @tensorflow/tfjs-node loads, and webgpu on a hardware adapter (a software adapter
// such as lavapipe is CPU-slow: it runs only when named, as .ci/run does). A backend that is named
// but does not load fails its tests; one left out by default is skipped with the reason.
// scripts/test-backends.ts prints the same resolution as the last lines of `npm test`.
import { test, type TestContext } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { selectBackend, type BackendInfo } from '../../src/engine/backend';
import { adapterLabel, probeWebgpu } from '../../src/engine/webgpu';
import { nativeAddonMissing } from './native';

export const TEST_BACKENDS = ['cpu', 'wasm', 'wasm+onednn', 'webgpu', 'tensorflow'] as const;
export type TestBackend = (typeof TEST_BACKENDS)[number];

/** Selects a backend for a test; 'wasm' is plain wasm (native kernels off), 'wasm+onednn' requires them. */
export async function useBackend(name: TestBackend): Promise<BackendInfo | undefined> {
  if (name === 'cpu' || name === 'wasm') {
    // The plain backends as tfjs gives them (plain wasm: the native kernels off).
    const info = await selectBackend(name, { native: false });
    await tf.ready();
    return info;
  }
  const info = await selectBackend(name === 'wasm+onednn' ? 'wasm' : name, { native: name === 'wasm+onednn' });
  if (name === 'wasm+onednn' && info.id !== 'wasm+onednn') throw new Error(`wasm+onednn did not start: ${info.skipped.join('; ')}`);
  await tf.ready();
  return info;
}

export interface BackendStatus {
  name: TestBackend;
  /** In the test list: its tests run (and fail if it does not work). */
  listed: boolean;
  /** Why it is not listed (default list), or why it does not work (listed). */
  reason?: string;
  /** What it runs on, when known (the WebGPU adapter). */
  detail?: string;
}

function listFromEnv(): TestBackend[] | undefined {
  const raw = process.env.GRIDMIX_TEST_BACKENDS;
  if (raw === undefined || raw.trim() === '') return undefined;
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(TEST_BACKENDS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`GRIDMIX_TEST_BACKENDS: unknown backend(s) ${unknown.join(', ')}; known: ${TEST_BACKENDS.join(', ')}`);
  return names as TestBackend[];
}

function tensorflowLoads(): string | undefined {
  try {
    require.resolve('@tensorflow/tfjs-node');
  } catch {
    return '@tensorflow/tfjs-node is not installed';
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
    return undefined;
  } catch (err) {
    return `@tensorflow/tfjs-node does not load: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`;
  }
}

/** What each backend's status is in this process (computed once). */
let statuses: Promise<BackendStatus[]> | undefined;
export function testBackendStatuses(): Promise<BackendStatus[]> {
  statuses ??= resolveStatuses();
  return statuses;
}

async function resolveStatuses(): Promise<BackendStatus[]> {
  const named = listFromEnv();
  const out: BackendStatus[] = [];
  for (const name of TEST_BACKENDS) {
    if (named) {
      out.push({ name, listed: named.includes(name), reason: named.includes(name) ? undefined : 'not in GRIDMIX_TEST_BACKENDS' });
      continue;
    }
    if (name === 'wasm') out.push({ name, listed: true });
    else if (name === 'cpu') out.push({ name, listed: false, reason: 'the pure-JS reference: name it in GRIDMIX_TEST_BACKENDS to test on it' });
    else if (name === 'wasm+onednn') {
      let missing: string | undefined;
      try {
        missing = nativeAddonMissing();
      } catch (err) {
        missing = (err as Error).message;
      }
      out.push({ name, listed: missing === undefined, reason: missing });
    } else if (name === 'tensorflow') {
      const reason = tensorflowLoads();
      out.push({ name, listed: reason === undefined, reason });
    } else {
      const probe = await probeWebgpu();
      const hardware = probe.adapters.find((a) => !a.isFallbackAdapter);
      const software = probe.adapters.find((a) => a.isFallbackAdapter);
      if (hardware) out.push({ name, listed: true, detail: adapterLabel(hardware) });
      else if (software) {
        out.push({ name, listed: false, detail: adapterLabel(software), reason: `only a software adapter (${adapterLabel(software)}): CPU-slow, runs when named in GRIDMIX_TEST_BACKENDS` });
      } else out.push({ name, listed: false, reason: probe.reason });
    }
  }
  return out;
}

/** The listed backends (tests that compare backends iterate over these). */
export async function listedBackends(): Promise<TestBackend[]> {
  return (await testBackendStatuses()).filter((s) => s.listed).map((s) => s.name);
}

export interface PerBackendOptions {
  /** Backends this test does not apply to, with the reason (e.g. a feature only one backend has). */
  except?: Partial<Record<TestBackend, string>>;
}

/**
 * Registers `body` as one test per backend, titled "title [backend]". A backend not in the list is
 * skipped with the reason; a listed one that fails to start fails the test.
 */
export function forEachBackend(title: string, body: (backend: TestBackend, t: TestContext) => Promise<void>, options: PerBackendOptions = {}): void {
  for (const name of TEST_BACKENDS) {
    test(`${title} [${name}]`, async (t) => {
      const status = (await testBackendStatuses()).find((s) => s.name === name)!;
      if (!status.listed) return t.skip(status.reason);
      const except = options.except?.[name];
      if (except) return t.skip(except);
      await useBackend(name);
      const expected = name === 'wasm+onednn' ? 'wasm' : name;
      if (tf.getBackend() !== expected) throw new Error(`asked for ${name}, tfjs runs on ${tf.getBackend()}`);
      await body(name, t);
    });
  }
}
