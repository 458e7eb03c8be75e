// Mixing throughput of every method on batches of 128 at 32x32x3 and 64x64x3.
// Usage: node dist/scripts/bench-mix.js [--backend wasm|cpu] [--batches N] [--json]
import { selectBackend, describeBackend } from '../src/engine/backend';
import { formatMixBench, measureMixThroughput } from '../src/mix/throughput';

export { measureMixThroughput, formatMixBench } from '../src/mix/throughput';

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

async function main(): Promise<void> {
  const backend = flag('backend') === 'cpu' ? 'cpu' : 'wasm';
  const info = await selectBackend(backend);
  const batches = Number(flag('batches') ?? 20);
  const results = await measureMixThroughput({ batches });
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(results, null, 2));
  } else {
    console.log(describeBackend(info));
    console.log(formatMixBench(results));
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
