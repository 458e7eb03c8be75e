// gridmix doctor: which backends work here, what each found, how to get the missing ones, and what
// `--backend auto` would take. Exit 0 when at least one backend works.
import { Command } from 'commander';
import { UserError } from '../errors';
import { formatDoctor, runDoctor } from '../doctor/checks';

export interface DoctorOptions {
  log?: (line: string) => void;
}

export async function doctorCommand(options: DoctorOptions = {}): Promise<void> {
  const log = options.log ?? console.log;
  const report = await runDoctor();
  for (const line of formatDoctor(report)) log(line);
  if (!report.checks.some((c) => c.available)) throw new UserError('no backend works here (see the lines above)');
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check every backend (CUDA/cuDNN for tfjs-node-gpu, Vulkan for webgpu, oneDNN, tensorflow-cpu) and say what --backend auto would take')
    .action(async () => doctorCommand());
}
