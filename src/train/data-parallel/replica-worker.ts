// The worker-thread side of the pool: one wasm backend (with the native kernels when asked), one
// Replica, a message loop. A failure (out of memory, a bad shape) is sent back as an 'error' reply
// with its message, so it surfaces on the main thread as an Error instead of a silent hang.
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendChoice } from '../../engine/backend';
import type { ReplicaReply, ReplicaRequest } from './protocol';
import { Replica } from './replica';

const port = parentPort;
if (!port) throw new Error('replica-worker.js runs as a worker thread of the data-parallel pool');

let replica: Replica | undefined;

function ready(): Replica {
  if (!replica) throw new Error('replica worker: no setup message yet');
  return replica;
}

async function handle(request: ReplicaRequest): Promise<[ReplicaReply, ArrayBuffer[]]> {
  switch (request.type) {
    case 'setup': {
      // One oneDNN thread per worker: the workers are the parallelism (2 workers on 2 cores), and
      // oneDNN's default of one thread per core in every worker would oversubscribe the cores. The
      // addon keeps its primitive caches per thread, so each worker builds its own.
      const backend = await selectBackend(request.backend as BackendChoice, request.native ? { native: true, nativeThreads: 1 } : { native: false });
      replica = new Replica(request.spec);
      const state = replica.stateVariables();
      return [
        {
          type: 'ready',
          stateNames: state.map((v) => v.name),
          stateSize: state.reduce((n, v) => n + v.variable.size, 0),
          backend: backend.id,
          skipped: backend.skipped,
        },
        [],
      ];
    }
    case 'gradients': {
      const result = await ready().gradients(request.shard);
      return [{ type: 'gradients', ...result }, [result.values.buffer as ArrayBuffer]];
    }
    case 'apply':
      ready().apply(request.averaged, request.reached, request.lr);
      return [{ type: 'applied' }, []];
    case 'get-state': {
      const values = await ready().getState();
      return [{ type: 'state', values }, [values.buffer as ArrayBuffer]];
    }
    case 'set-state':
      ready().setState(request.values);
      return [{ type: 'state-set' }, []];
    case 'count-tensors':
      return [{ type: 'tensors', numTensors: tf.memory().numTensors }, []];
    case 'close':
      throw new Error('replica worker: close is handled by the message loop');
  }
}

port.on('message', (request: ReplicaRequest) => {
  if (request.type === 'close') {
    // Ending the thread by closing its port, not by worker.terminate(): a thread stopped in the
    // middle of the addon's or the wasm module's work could crash the whole process at exit.
    replica?.dispose();
    replica = undefined;
    port.close();
    return;
  }
  handle(request).then(
    ([reply, transfer]) => port.postMessage(reply, transfer),
    (err: unknown) => port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies ReplicaReply),
  );
});
