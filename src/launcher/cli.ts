#!/usr/bin/env node
/**
 * The `tsmpirun` command: parse → run the job → print how it ended → exit with its status.
 * Exits explicitly (after stdout and stderr have drained), because stdin may still be open
 * and nothing else of the job must keep the launcher alive once it is over.
 */
import type { Writable } from 'node:stream';
import { parseLaunchArgs } from './args.js';
import { exitStatusForLaunchError, LaunchError, UsageError } from './errors.js';
import { diagnostic, kHelpText, reportText, Texts, usageText } from './help.js';
import { infoText, tsmpiVersion } from './info.js';
import { runJob } from './job.js';

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseLaunchArgs(argv);
  if (parsed instanceof UsageError) {
    process.stderr.write(usageText(parsed.message));
    return 2;
  }
  if (parsed.action === 'help') {
    process.stdout.write(kHelpText);
    return 0;
  }
  if (parsed.action === 'version') {
    process.stdout.write(`tsmpirun (tsmpi) ${tsmpiVersion()}\n`);
    return 0;
  }
  if (parsed.action === 'info') {
    process.stdout.write(infoText());
    return 0;
  }
  try {
    const result = await runJob(parsed.options, parsed.program, parsed.programArgs);
    process.stderr.write(reportText(result));
    return result.exitStatus;
  } catch (error) {
    if (!(error instanceof LaunchError)) throw error;
    process.stderr.write(diagnostic(error.message));
    return exitStatusForLaunchError(error);
  }
}

function flushed(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write('', () => resolve());
  });
}

async function exit(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

main(process.argv.slice(2)).then(exit, async (error: unknown) => {
  process.stderr.write(diagnostic(Texts.internalError(error instanceof Error ? (error.stack ?? error.message) : String(error))));
  await exit(1);
});
