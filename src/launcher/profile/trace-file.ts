/**
 * The --trace file: checked before any rank starts (a typo in the path must not cost a whole
 * run), written once the job is over.
 */
import fs from 'node:fs/promises';
import { LaunchError } from '../errors.js';
import { describeFsError, Texts } from '../help.js';
import type { TraceFile } from './trace-events.js';

/** Creates (or empties) `file`, so the run can write it at the end; a usage error otherwise. */
export async function prepareTraceFile(file: string, shown: string): Promise<void> {
  try {
    const handle = await fs.open(file, 'w');
    await handle.close();
  } catch (error) {
    throw new LaunchError('ERR_USAGE', Texts.traceUnwritable(shown, describeFsError(error)), { cause: error });
  }
}

/**
 * Writes the trace one event per line: a large trace never has to be one string, and the
 * file stays greppable.
 */
export async function writeTraceFile(file: string, trace: TraceFile): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    const events = trace.traceEvents;
    let chunk = '{"traceEvents":[\n';
    for (let i = 0; i < events.length; i++) {
      chunk += JSON.stringify(events[i]) + (i + 1 < events.length ? ',\n' : '\n');
      if (chunk.length > 1 << 20) {
        await handle.write(chunk);
        chunk = '';
      }
    }
    chunk += `],"displayTimeUnit":${JSON.stringify(trace.displayTimeUnit)}}\n`;
    await handle.write(chunk);
  } finally {
    await handle.close();
  }
}
