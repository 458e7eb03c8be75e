// One line naming the machine a run trained on (summary.json "machine"): a speed figure means
// little without it.
import * as os from 'os';

export function machineDescription(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim().replace(/\s+/g, ' ') ?? 'unknown CPU';
  return `${os.hostname()}: ${cpus.length} x ${model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.arch()}`;
}
