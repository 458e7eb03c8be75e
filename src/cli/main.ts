// The gridmix program: wiring only. Each verb lives in its own file as a plain async function
// taking one typed options object (tests call those directly); only this entry point exits.
import { Command, CommanderError } from 'commander';
import { EXIT_BUG, EXIT_INTERRUPTED, EXIT_USER_ERROR, InterruptedError, UserError } from '../errors';
import { registerTrainCommand } from './train';
import { registerAblateCommand } from './ablate';
import { registerDataCommand } from './data';
import { registerEvalCommand } from './eval';
import { registerReportCommand } from './report';
import { registerPreviewCommand } from './preview';
import { registerBenchCommand } from './bench';
import { registerStatusCommand } from './status';
import { registerDoctorCommand } from './doctor';
import { registerFigureCommand } from './figure';
import { ignoreClosedPipes } from './closed-pipe';
import { releaseBackend } from '../engine/backend';

export function buildProgram(): Command {
  const program = new Command()
    .name('gridmix')
    .description('Train and compare Baseline, MixUp, CutMix and GridMix from one YAML config, and write the paper\'s tables beside your numbers.')
    .version(require('../../../package.json').version as string)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerTrainCommand(program);
  registerAblateCommand(program);
  registerEvalCommand(program);
  registerReportCommand(program);
  registerDataCommand(program);
  registerPreviewCommand(program);
  registerBenchCommand(program);
  registerStatusCommand(program);
  registerDoctorCommand(program);
  registerFigureCommand(program);
  return program;
}

/** Runs the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  ignoreClosedPipes();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its message (or the help text).
      return err.exitCode === 0 ? 0 : EXIT_USER_ERROR;
    }
    if (err instanceof InterruptedError) {
      console.error(`gridmix: ${err.message}`);
      return EXIT_INTERRUPTED;
    }
    if (err instanceof UserError) {
      console.error(`gridmix: ${err.message}`);
      return EXIT_USER_ERROR;
    }
    console.error('gridmix: internal error (a bug in gridmix, please report it with this trace):');
    console.error(err instanceof Error ? err.stack : err);
    return EXIT_BUG;
  } finally {
    releaseBackend(); // WebGPU's device would keep Node from exiting
  }
}
