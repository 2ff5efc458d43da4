/**
 * The driver's optional progress bar. Off when stderr does not reach a terminal, so logs and
 * pipes never get control sequences. Under tsmpirun a rank's stderr is a pipe to the launcher;
 * when the launcher's own stderr is a terminal it says so (TSMPI_STDERR_COLUMNS) and passes
 * the bar's redraws through as they come, so the bar draws to that terminal.
 */
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import type cliProgressModule from 'cli-progress';
import { stderrTerminalColumns } from '../comm/bootstrap/env.js';

/** stderr as cli-progress sees a terminal: the launcher's width, writes go straight to stderr. */
class LauncherTerminal extends Writable {
  readonly isTTY = true;
  constructor(readonly columns: number) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    process.stderr.write(chunk, callback);
  }
}

function terminalStream(): NodeJS.WritableStream | undefined {
  if (process.stderr.isTTY === true) return process.stderr;
  const columns = stderrTerminalColumns();
  return columns === undefined ? undefined : new LauncherTerminal(columns);
}

export interface Progress {
  done(items: number): void;
  stop(): void;
}

const off: Progress = { done: () => {}, stop: () => {} };

export function createProgress(enabled: boolean | undefined, task: string, total: number | undefined): Progress {
  const stream = enabled === true ? terminalStream() : undefined;
  if (stream === undefined) return off;
  // Loaded only for a bar that draws: it costs every rank ~25 ms at start-up otherwise.
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof cliProgressModule;
  const bar = new cliProgress.SingleBar(
    { stream, format: `${task} [{bar}] {value}/{total} {percentage}% | {eta_formatted} left`, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total ?? 0, 0);
  let count = 0;
  let stopped = false;
  return {
    done: (n) => {
      count += n;
      // An input of unknown length: the total grows with what is done.
      if (total === undefined) bar.setTotal(count);
      bar.update(count);
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
