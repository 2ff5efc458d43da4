/**
 * What the two sides inside one rank process agree on without importing each other: the
 * launcher's preload (launcher/rank-preload.ts, which never loads the rank API and may come from
 * another installation of tsmpi than the program's) and the rank API's diagnostics
 * (comm/diagnostics). They meet on process-wide globals keyed by registered symbols, and the
 * launcher asks for the waits by a signal.
 */
import type { WaitInfo } from './protocol.js';

/** Signal by which the launcher asks a rank what it is waiting on (SIGUSR1 would start Node's inspector). */
export const kWaitsSignal = 'SIGUSR2';

/** Where the rank's --trace/--stats recorder (comm/diagnostics/recorder.ts) offers its flush. */
export const kRecorderKey: unique symbol = Symbol.for('tsmpi.recorder');
/** Where the registry of pending calls (comm/diagnostics/waits.ts) offers its snapshot. */
export const kWaitsKey: unique symbol = Symbol.for('tsmpi.waits');

export interface RankRecorder {
  flush(): Promise<void>;
}

export interface WaitsRegistry {
  snapshot(): WaitInfo[];
}

/** The process's globals as both sides see them. */
export type RankGlobals = typeof globalThis & { [kRecorderKey]?: RankRecorder; [kWaitsKey]?: WaitsRegistry };
