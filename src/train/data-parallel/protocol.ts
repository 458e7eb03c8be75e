// The messages between the pool (main thread) and a replica worker. Every request gets exactly one
// reply, in order; the pool never has two requests out to the same worker.
import type { BatchShard } from './batch-shards';
import type { ReplicaSpec, ShardGradients } from './replica';

export type ReplicaRequest =
  | { type: 'setup'; spec: ReplicaSpec; backend: string }
  | { type: 'gradients'; shard: BatchShard }
  | { type: 'apply'; averaged: Float32Array; reached: boolean[]; lr: number }
  | { type: 'get-state' }
  | { type: 'set-state'; values: Float32Array }
  | { type: 'count-tensors' };

export type ReplicaReply =
  | { type: 'ready'; stateNames: string[]; stateSize: number }
  | ({ type: 'gradients' } & ShardGradients)
  | { type: 'applied' }
  | { type: 'state'; values: Float32Array }
  | { type: 'state-set' }
  | { type: 'tensors'; numTensors: number }
  | { type: 'error'; message: string };
