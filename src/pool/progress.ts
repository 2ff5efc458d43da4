/**
 * The driver's optional progress bar. Off when stderr is not a terminal, so logs and pipes
 * never get control sequences.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  done(items: number): void;
  stop(): void;
}

const off: Progress = { done: () => {}, stop: () => {} };

export function createProgress(enabled: boolean | undefined, task: string, total: number | undefined): Progress {
  if (enabled !== true || process.stderr.isTTY !== true) return off;
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${task} [{bar}] {value}/{total} {percentage}% | {eta_formatted} left`, hideCursor: true, clearOnComplete: false },
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
