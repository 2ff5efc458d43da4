/**
 * Types of the task pool. The registry's own function types give every method its argument and
 * result types, so `pool.map('square', [1, 2])` is checked against `square`'s signature.
 */

// `any` in the parameter position lets every function type be a member of a registry
// (with `unknown` a `(x: number) => number` would not be assignable).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TaskFn = (...args: any[]) => unknown;

/** Names mapped to functions, sync or async; every rank passes the same registry. */
export type TaskRegistry = Record<string, TaskFn>;

/** The name of a task of registry `T`. */
export type TaskName<T extends TaskRegistry> = Extract<keyof T, string>;

/** The argument tuple of task `K`. */
export type TaskArgs<T extends TaskRegistry, K extends keyof T> = Parameters<T[K]>;

/** What task `K` resolves to. */
export type TaskResult<T extends TaskRegistry, K extends keyof T> = Awaited<ReturnType<T[K]>>;

/** Options of {@link startPool}. */
export interface StartPoolOptions {
  /** The rank that drives the pool (gets the `Pool`); every other rank serves tasks. Default 0. */
  root?: number;
  /** Chunks kept queued per worker, so a worker never waits a round trip for its next chunk. Default 2. */
  chunksPerWorker?: number;
}

/** Options of one task call (`applyAsync`, `submit`). */
export interface SubmitOptions {
  /** Aborting cancels the call if its task has not started yet. */
  signal?: AbortSignal;
}

/** Options of `map`, `starmap`, `imap` and `imapUnordered`. */
export interface MapOptions extends SubmitOptions {
  /**
   * Items per message to a worker. Default: for sized inputs (arrays, typed arrays, Sets, Maps,
   * anything with a numeric `length`) ceil(n / (4 × workers)) as Python's Pool does; 1 for
   * other iterables and async iterables, whose length is unknown.
   */
  chunksize?: number;
  /**
   * A progress bar on stderr (cli-progress); off whenever stderr is not a terminal, which under
   * tsmpirun it never is (rank output goes through the launcher's pipes).
   */
  progress?: boolean;
}

/** Figures of a pool's work so far (the driver's view). */
export interface PoolStats {
  /** Ranks that run tasks (size - 1; 1 in a world of size 1, where the root runs them). */
  workers: number;
  /** Chunks outstanding at most: workers × chunksPerWorker. */
  window: number;
  /** Items pulled from inputs and not yet handed to the caller, now. */
  itemsInFlight: number;
  /** The largest `itemsInFlight` seen since the pool started or `resetPeak()`. */
  peakItemsInFlight: number;
  /** Chunks sent to workers so far. */
  chunksSent: number;
  /** Tasks that ran to completion (or threw) so far. */
  tasksDone: number;
}
