/** Errors of the task pool, all classes so callers can tell them apart with `instanceof`. */
import type { RemoteFailure } from './protocol.js';

/** A task threw on a worker. The pool goes on serving other calls. */
export class TaskError extends Error {
  /** Rank (in the pool's communicator, equal to the caller's) of the worker that ran it. */
  readonly rank: number;
  /** The task's name in the registry. */
  readonly task: string;
  /** The error's name and message there (`TypeError`, ...). */
  readonly remoteName: string;
  /** The error's message there. */
  readonly remoteMessage: string;
  /** The error's stack there, which is where the fault is. */
  readonly remoteStack: string;
  constructor(rank: number, task: string, failure: RemoteFailure) {
    super(`task "${task}" failed on rank ${rank}: ${failure.name}: ${failure.message}`);
    this.name = 'TaskError';
    this.rank = rank;
    this.task = task;
    this.remoteName = failure.name;
    this.remoteMessage = failure.message;
    this.remoteStack = failure.stack;
    // The driver's own frames say nothing about the fault; show the worker's after them.
    this.stack = `${this.stack ?? ''}\n  remote stack (rank ${rank}):\n    ${failure.stack.split('\n').join('\n    ')}`;
  }
}

/**
 * A call cancelled before its tasks ran: by its AbortSignal, by `terminate()`, or because an
 * iterator's consumer stopped. Named `AbortError` like the platform's own cancellation errors.
 */
export class TaskCancelledError extends Error {
  /** The signal's reason, or a string saying what cancelled it. */
  readonly reason: unknown;
  constructor(message: string, reason: unknown) {
    super(message);
    this.name = 'AbortError';
    this.reason = reason;
  }
}

/** A call made after `close()` or `terminate()`. */
export class PoolClosedError extends Error {
  constructor(method: string) {
    super(`pool.${method}: the pool is closed`);
    this.name = 'PoolClosedError';
  }
}
