// The messages between the pool (main thread) and a replica worker. Every request gets exactly one
// reply, in order; the pool never has two requests out to the same worker.
import type { BatchShard } from './batch-shards';
import type { ReplicaSpec, ShardGradients } from './replica';

export type ReplicaRequest =
  /** native: the worker uses gridmix's native oneDNN kernels (one oneDNN thread each), as the main thread does. */
  | { type: 'setup'; spec: ReplicaSpec; backend: string; native: boolean }
  | { type: 'gradients'; shard: BatchShard }
  | { type: 'apply'; averaged: Float32Array; reached: boolean[]; lr: number }
  | { type: 'get-state' }
  | { type: 'set-state'; values: Float32Array }
  | { type: 'count-tensors' }
  /** Free the replica and end the thread (no reply: the worker exits with code 0). */
  | { type: 'close' };

export type ReplicaReply =
  /** backend: the worker's BackendInfo.id; skipped: why a better one (e.g. the native kernels) was not taken. */
  | { type: 'ready'; stateNames: string[]; stateSize: number; backend: string; skipped: string[] }
  | ({ type: 'gradients' } & ShardGradients)
  | { type: 'applied' }
  | { type: 'state'; values: Float32Array }
  | { type: 'state-set' }
  | { type: 'tensors'; numTensors: number }
  | { type: 'error'; message: string };
