/**
 * Messages between the driver and its workers. Pool traffic travels on a communicator that
 * `startPool` dups, so it never matches the user's receives; one tag each way.
 */

/** Driver to worker. */
export const kWorkTag = 1;
/** Worker to driver. */
export const kReplyTag = 2;

export interface ChunkMessage {
  t: 'chunk';
  id: number;
  task: string;
  /** One argument tuple per item. */
  args: unknown[][];
}

export type ToWorker =
  | ChunkMessage
  /** Chunks the worker has not started yet are answered `skipped` instead of run. */
  | { t: 'cancel'; ids: number[] }
  /** Run what is queued, then say `bye` and leave. */
  | { t: 'close' }
  /** Skip what is queued, say `bye` after the task running now, and leave. */
  | { t: 'terminate' };

/** A task's error as it travels: the pieces `TaskError` needs. */
export interface RemoteFailure {
  name: string;
  message: string;
  stack: string;
}

export type ToDriver =
  /** `values` are the results in item order; with `error`, item `values.length` threw and the rest did not run. */
  { t: 'done'; id: number; values: unknown[]; error?: RemoteFailure } | { t: 'skipped'; id: number } | { t: 'bye' };

/** How a task's throw travels; a thrown non-Error still gives a readable message. */
export function toFailure(err: unknown): RemoteFailure {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack ?? `${err.name}: ${err.message}` };
  const message = `non-Error thrown: ${String(err)}`;
  return { name: 'Error', message, stack: message };
}
