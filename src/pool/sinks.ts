/**
 * What a call does with its results: collect them into an array (map, starmap, applyAsync), or
 * stream them to an async iterator in input order (imap) or completion order (imapUnordered).
 */
import type { Chunk } from './chunk-reader.js';
import type { JobHandle, JobSink } from './dispatcher.js';
import type { TaskError } from './errors.js';
import type { Progress } from './progress.js';
import { ResultBuffer } from './result-buffer.js';

/** Results land at their input index; the first failure rejects the call and cancels the rest. */
export function collectSink<R>(handle: JobHandle, progress: Progress, resolve: (values: R[]) => void, reject: (error: unknown) => void): JobSink {
  const results: R[] = [];
  let settled = false;
  return {
    deliver(chunk: Chunk, values: unknown[], error: TaskError | undefined) {
      for (let i = 0; i < values.length; i++) results[chunk.start + i] = values[i] as R;
      progress.done(values.length);
      if (error !== undefined) {
        handle.cancel(error);
        return;
      }
      handle.release(chunk.args.length, 1);
    },
    finished() {
      progress.stop();
      if (!settled) {
        settled = true;
        resolve(results);
      }
    },
    fail(error) {
      progress.stop();
      if (!settled) {
        settled = true;
        reject(error);
      }
    },
  };
}

type Entry = { value: unknown; last: boolean } | { error: unknown };

/**
 * An async iterator over a call's results. Items wait in `queue` until the consumer takes them;
 * a chunk is released to the dispatcher when its last item is taken, which is what bounds the
 * items held. A failed item ends the iteration with its error after the items before it.
 */
export class ResultStream<R> implements AsyncIterableIterator<R> {
  readonly #ordered: boolean;
  readonly #buffer = new ResultBuffer<unknown, TaskError>();
  readonly #queue: Entry[] = [];
  readonly #progress: Progress;
  #handle!: JobHandle;
  /** Calls of next() not answered yet, answered in call order. */
  readonly #waiters: Array<{ resolve: (r: IteratorResult<R>) => void; reject: (e: unknown) => void }> = [];
  #finished = false;
  #failure: { error: unknown } | undefined;
  #over = false;

  constructor(ordered: boolean, progress: Progress) {
    this.#ordered = ordered;
    this.#progress = progress;
  }

  /** Connects the stream to its call; called once by the dispatcher. */
  sink(handle: JobHandle): JobSink {
    this.#handle = handle;
    return {
      deliver: (chunk, values, error) => {
        if (error !== undefined) handle.stopPulling();
        if (this.#ordered) {
          this.#buffer.put(chunk.seq, values, error);
          for (let e = this.#buffer.take(); e !== undefined; e = this.#buffer.take()) this.#enqueue(e.values, e.error);
        } else this.#enqueue(values, error);
        this.#wake();
      },
      finished: () => {
        this.#finished = true;
        this.#wake();
      },
      fail: (error) => {
        this.#failure = { error };
        this.#wake();
      },
    };
  }

  #enqueue(values: unknown[], error: TaskError | undefined): void {
    for (let i = 0; i < values.length; i++) this.#queue.push({ value: values[i], last: i === values.length - 1 && error === undefined });
    if (error !== undefined) this.#queue.push({ error });
  }

  #step(): IteratorResult<R> | { error: unknown } | undefined {
    if (this.#over) return { done: true, value: undefined };
    const e = this.#queue.shift();
    if (e !== undefined) {
      if ('error' in e) return this.#end(e.error);
      this.#handle.release(1, e.last ? 1 : 0);
      this.#progress.done(1);
      return { done: false, value: e.value as R };
    }
    if (this.#failure !== undefined) return this.#end(this.#failure.error);
    if (this.#finished) {
      this.#over = true;
      this.#progress.stop();
      return { done: true, value: undefined };
    }
    return undefined;
  }

  #end(error: unknown): { error: unknown } {
    this.#over = true;
    this.#progress.stop();
    this.#handle.cancel();
    return { error };
  }

  #wake(): void {
    while (this.#waiters.length > 0) {
      const r = this.#step();
      if (r === undefined) return;
      const w = this.#waiters.shift()!;
      if ('error' in r) w.reject(r.error);
      else w.resolve(r);
    }
  }

  next(): Promise<IteratorResult<R>> {
    const r = this.#waiters.length === 0 ? this.#step() : undefined;
    if (r === undefined) return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
    return 'error' in r ? Promise.reject(r.error) : Promise.resolve(r);
  }

  /** The consumer stopped early (`break`): the rest of the call is cancelled. */
  return(): Promise<IteratorResult<R>> {
    if (!this.#over) {
      this.#over = true;
      this.#progress.stop();
      this.#handle.cancel();
    }
    this.#wake();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
