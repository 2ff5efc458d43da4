/**
 * `startPool` and the driver's `Pool`: Python's multiprocessing.Pool over the ranks of a
 * communicator. Every rank runs the same program with the same task registry, so only names
 * and arguments travel, never code.
 */
import { Communicator } from '../comm/communicator.js';
import { Errors } from '../comm/errors.js';
import { assertRoot } from '../comm/validate.js';
import { ChunkReader, defaultChunksize, sizeOf } from './chunk-reader.js';
import { Dispatcher } from './dispatcher.js';
import { PoolClosedError, TaskCancelledError } from './errors.js';
import { driverOverComm, workerOverComm, type DriverLink } from './links.js';
import { createProgress } from './progress.js';
import { collectSink, ResultStream } from './sinks.js';
import type { MapOptions, PoolStats, StartPoolOptions, SubmitOptions, TaskArgs, TaskName, TaskRegistry, TaskResult } from './types.js';
import {
  assertArgsTuple,
  assertBoolean,
  assertIterable,
  assertOptions,
  assertPositiveInteger,
  assertRegistry,
  assertSignal,
  assertTaskName,
} from './validate.js';
import { serve } from './worker.js';

type Input<X> = Iterable<X> | AsyncIterable<X>;

const kMapOptions = ['chunksize', 'signal', 'progress'] as const;
const kSubmitOptions = ['signal'] as const;

/**
 * Collective over `comm`: every rank calls it with the same `tasks`. On `root` it resolves to the
 * `Pool`; every other rank serves tasks until the root closes the pool, then resolves to `null`
 * and goes on with the program. In a world of size 1 the root runs the tasks itself.
 */
export async function startPool<T extends TaskRegistry>(comm: Communicator, tasks: T, options: StartPoolOptions = {}): Promise<Pool<T> | null> {
  if (!(comm instanceof Communicator)) throw new TypeError(`comm must be a Communicator, got ${Errors.describe(comm)}`);
  assertRegistry(tasks);
  assertOptions('options', options, ['root', 'chunksPerWorker']);
  const root = options.root ?? 0;
  assertRoot(root, comm.size);
  const chunksPerWorker = options.chunksPerWorker ?? 2;
  assertPositiveInteger('chunksPerWorker', chunksPerWorker);

  // Pool traffic gets its own message space, so it never meets the user's receives.
  const pc = await comm.dup();
  // A rank with another registry or root would wait forever for work that never fits; every rank fails instead.
  const mine = JSON.stringify([Object.keys(tasks).sort(), root, chunksPerWorker]);
  const all = await pc.allgather(mine);
  const odd = all
    .map((s, r) => [s, r] as const)
    .filter(([s]) => s !== all[0])
    .map(([, r]) => r);
  if (odd.length > 0) {
    throw new RangeError(
      `startPool: every rank must pass the same task names, root and chunksPerWorker; rank 0 passed ${all[0]}, ranks ${odd.join(', ')} differ (rank ${odd[0]}: ${all[odd[0]]})`,
    );
  }

  // Alone, the root is its own worker: both loops run here, over messages to itself.
  if (pc.size === 1) return new Pool(tasks, driverOverComm(pc, root), chunksPerWorker, serve(workerOverComm(pc, root), tasks));
  if (pc.rank === root) return new Pool(tasks, driverOverComm(pc, root), chunksPerWorker);
  await serve(workerOverComm(pc, root), tasks);
  return null;
}

/**
 * The driver's handle on a task pool (Python's multiprocessing.Pool), from {@link startPool}
 * on the root; the other ranks serve tasks until it closes.
 *
 * ```ts
 * const pool = await startPool(comm, { square: (x: number) => x * x });
 * if (pool) console.log(await pool.map('square', [1, 2, 3]));
 * ```
 */
export class Pool<T extends TaskRegistry> {
  readonly #tasks: T;
  readonly #dispatcher: Dispatcher;
  readonly #local: Promise<void> | undefined;
  #closed = false;
  #ending: Promise<void> | undefined;

  /** @internal Use `startPool`. */
  constructor(tasks: T, link: DriverLink, chunksPerWorker: number, local?: Promise<void>) {
    this.#tasks = tasks;
    this.#dispatcher = new Dispatcher(link, chunksPerWorker);
    this.#local = local;
  }

  /** Ranks that run tasks. */
  get workers(): number {
    return this.#dispatcher.workers;
  }

  /** Figures so far; `peakItemsInFlight` never exceeds window × chunksize of the largest call. */
  get stats(): PoolStats {
    return this.#dispatcher.stats();
  }

  /** Starts `peakItemsInFlight` over from the items held now. */
  resetPeak(): void {
    this.#dispatcher.resetPeak();
  }

  /** Results of `name(item)` for every item, in input order (Pool.map). */
  map<K extends TaskName<T>>(name: K, items: Input<TaskArgs<T, K>[0]>, options: MapOptions = {}): Promise<Array<TaskResult<T, K>>> {
    return this.#collect('map', name, items, options, (item) => [item]);
  }

  /** Results of `name(...args)` for every argument tuple, in input order (Pool.starmap). */
  starmap<K extends TaskName<T>>(name: K, argsList: Input<TaskArgs<T, K>>, options: MapOptions = {}): Promise<Array<TaskResult<T, K>>> {
    return this.#collect('starmap', name, argsList, options, starArgs);
  }

  /** Results in input order as they become available (Pool.imap); inputs are read lazily. */
  imap<K extends TaskName<T>>(name: K, items: Input<TaskArgs<T, K>[0]>, options: MapOptions = {}): AsyncIterableIterator<TaskResult<T, K>> {
    return this.#stream('imap', true, name, items, options);
  }

  /** Results in the order they complete (Pool.imap_unordered). */
  imapUnordered<K extends TaskName<T>>(name: K, items: Input<TaskArgs<T, K>[0]>, options: MapOptions = {}): AsyncIterableIterator<TaskResult<T, K>> {
    return this.#stream('imapUnordered', false, name, items, options);
  }

  /** One call of `name(...args)` on a worker (Pool.apply_async). */
  async applyAsync<K extends TaskName<T>>(name: K, args: TaskArgs<T, K>, options: SubmitOptions = {}): Promise<TaskResult<T, K>> {
    return this.#one('applyAsync', name, args, options);
  }

  /** The same as `applyAsync` (concurrent.futures' Executor.submit). */
  async submit<K extends TaskName<T>>(name: K, args: TaskArgs<T, K>, options: SubmitOptions = {}): Promise<TaskResult<T, K>> {
    return this.#one('submit', name, args, options);
  }

  /**
   * Lets every call finish (iterators must be consumed or stopped), then releases the workers:
   * their `startPool` resolves to null. Resolves once every worker has left.
   */
  close(): Promise<void> {
    this.#closed = true;
    this.#ending ??= (async () => {
      await this.#dispatcher.idle();
      await this.#dispatcher.release('close');
      await this.#local;
    })();
    return this.#ending;
  }

  /**
   * Rejects every pending call with a TaskCancelledError, releases the workers after the tasks
   * they are running now (a running task cannot be interrupted), and resolves once they left.
   */
  async terminate(): Promise<void> {
    this.#closed = true;
    this.#dispatcher.cancelAll(new TaskCancelledError('the pool was terminated', 'terminate'));
    await this.#dispatcher.release('terminate');
    await this.#local;
    await this.#ending;
  }

  async #one(method: string, name: unknown, args: unknown, options: SubmitOptions): Promise<never> {
    this.#check(method, name, options, kSubmitOptions);
    assertArgsTuple('args', args);
    const [value] = await this.#collect(method, name as TaskName<T>, [args], { ...options, chunksize: 1 }, starArgs);
    return value as never;
  }

  async #collect<R>(method: string, name: string, items: Input<unknown>, options: MapOptions, toArgs: (item: unknown) => unknown[]): Promise<R[]> {
    const reader = this.#reader(method, name, items, options, toArgs);
    const progress = createProgress(options.progress, name, sizeOf(items));
    return new Promise<R[]>((resolve, reject) => {
      this.#dispatcher.start(
        name,
        reader,
        (handle) => collectSink<R>(handle, progress, resolve, reject),
        (cancel) => watch(options.signal, cancel),
      );
    });
  }

  #stream<R>(method: string, ordered: boolean, name: string, items: Input<unknown>, options: MapOptions): ResultStream<R> {
    const reader = this.#reader(method, name, items, options, (item) => [item]);
    const stream = new ResultStream<R>(ordered, createProgress(options.progress, name, sizeOf(items)));
    this.#dispatcher.start(
      name,
      reader,
      (handle) => stream.sink(handle),
      (cancel) => watch(options.signal, cancel),
    );
    return stream;
  }

  #reader(method: string, name: string, items: Input<unknown>, options: MapOptions, toArgs: (item: unknown) => unknown[]): ChunkReader {
    this.#check(method, name, options, kMapOptions);
    assertIterable('items', items);
    const chunksize = options.chunksize ?? defaultChunksize(sizeOf(items), this.workers);
    assertPositiveInteger('chunksize', chunksize);
    assertBoolean('progress', options.progress);
    return new ChunkReader(items, chunksize, toArgs);
  }

  #check(method: string, name: unknown, options: unknown, allowed: readonly string[]): void {
    if (this.#closed) throw new PoolClosedError(method);
    assertTaskName(this.#tasks, name);
    assertOptions('options', options, allowed);
    assertSignal((options as SubmitOptions).signal);
  }
}

function starArgs(item: unknown): unknown[] {
  if (!Array.isArray(item)) throw new TypeError(`each item of a starmap must be an array of the task's arguments, got ${Errors.describe(item)}`);
  return item;
}

/** One listener per signal, however many calls share it (Node warns past 10 listeners). */
const watchers = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * An abort cancels the call at once if it already happened, else when it does; the call's
 * watch ends with the call.
 */
function watch(signal: AbortSignal | undefined, cancel: (error: unknown) => void): (() => void) | undefined {
  if (signal === undefined) return undefined;
  const abort = (): void => cancel(new TaskCancelledError(`the call was aborted: ${String(signal.reason)}`, signal.reason));
  if (signal.aborted) {
    abort();
    return undefined;
  }
  let calls = watchers.get(signal);
  if (calls === undefined) {
    const set = new Set<() => void>();
    calls = set;
    watchers.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        watchers.delete(signal);
        for (const call of [...set]) call();
      },
      { once: true },
    );
  }
  calls.add(abort);
  return () => calls.delete(abort);
}
