/** The streams, environment and working directory a job runs with (runJob's `io`). */
import type { Readable, Writable } from 'node:stream';

/** Where a job reads and writes; process's own streams by default. */
export interface JobIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const defaultIo = (): JobIo => ({
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
