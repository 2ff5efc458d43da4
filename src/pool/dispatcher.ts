/**
 * The driver loop: pulls chunks from each call's input, hands them to the least-busy worker
 * with a free slot (a worker holds at most `chunksPerWorker` chunks, so it finishes one and
 * starts the next without waiting for a round trip), and routes replies back to the call.
 *
 * Bounds: a call pulls a chunk only while fewer than `window` = workers × chunksPerWorker of
 * its chunks are unreleased (pulled and not yet handed to its consumer, in flight or waiting
 * in a reorder buffer), so a call never holds more than window × chunksize items.
 */
import type { Chunk, ChunkReader } from './chunk-reader.js';
import { TaskError } from './errors.js';
import type { DriverLink } from './links.js';
import type { ToDriver, ToWorker } from './protocol.js';
import type { PoolStats } from './types.js';

/** Where a call's results go (collect into an array, or stream to an iterator). */
export interface JobSink {
  /** Results of one chunk; with `error`, item `values.length` of the chunk threw. */
  deliver(chunk: Chunk, values: unknown[], error: TaskError | undefined): void;
  /** Every chunk has been delivered. */
  finished(): void;
  /** The call failed or was cancelled: `error` is what its caller sees. */
  fail(error: unknown): void;
}

/** What a sink may do with its own call. */
export interface JobHandle {
  /** The consumer took `items` items, completing `chunks` chunks: room to pull more. */
  release(items: number, chunks: number): void;
  /** No more chunks are needed (an item failed); chunks in flight still arrive. */
  stopPulling(): void;
  /** Ends the call: queued chunks are not run, results still to come are dropped. */
  cancel(error?: unknown): void;
}

interface Job {
  task: string;
  reader: ChunkReader;
  sink: JobSink;
  prefetch: Chunk | null;
  pulling: boolean;
  ended: boolean;
  cancelled: boolean;
  /** Chunks sent and not answered. */
  outstanding: Set<number>;
  /** Set by an abort that waits to hear whether the chunks in flight had started. */
  aborted: { error: unknown } | undefined;
  /** Runs once when the call ends, however it ends. */
  onEnd: (() => void) | undefined;
  /** Chunks pulled and not fully released. */
  unreleased: number;
  /** Items pulled and not released. */
  held: number;
}

interface Worker {
  rank: number;
  busy: number;
}

interface Sent {
  job: Job;
  chunk: Chunk;
  worker: Worker;
}

export class Dispatcher {
  readonly #link: DriverLink;
  readonly #perWorker: number;
  readonly #workers: Worker[];
  readonly #window: number;
  readonly #active = new Set<Job>();
  /** Jobs with a chunk pulled and waiting for a worker slot, in the order they got it. */
  readonly #ready: Job[] = [];
  readonly #sent = new Map<number, Sent>();
  readonly #idleWaiters: Array<() => void> = [];
  readonly #receiving: Promise<void>;
  #nextId = 0;
  #held = 0;
  #peak = 0;
  #chunksSent = 0;
  #tasksDone = 0;
  #released: Promise<void> | undefined;
  #linkError: unknown;

  constructor(link: DriverLink, chunksPerWorker: number) {
    this.#link = link;
    this.#perWorker = chunksPerWorker;
    this.#workers = link.workers.map((rank) => ({ rank, busy: 0 }));
    this.#window = this.#workers.length * chunksPerWorker;
    this.#receiving = this.#receive();
    // A transport failure ends the job anyway; keep it from surfacing twice.
    this.#receiving.catch(() => {});
  }

  get window(): number {
    return this.#window;
  }

  get workers(): number {
    return this.#workers.length;
  }

  stats(): PoolStats {
    return {
      workers: this.#workers.length,
      window: this.#window,
      itemsInFlight: this.#held,
      peakItemsInFlight: this.#peak,
      chunksSent: this.#chunksSent,
      tasksDone: this.#tasksDone,
    };
  }

  resetPeak(): void {
    this.#peak = this.#held;
  }

  /**
   * Starts a call: its chunks go out as workers have room. `watch` runs before anything is
   * pulled (an already aborted signal cancels the call with nothing read or sent) and returns
   * what to undo when the call ends, however it ends.
   */
  start(
    task: string,
    reader: ChunkReader,
    makeSink: (handle: JobHandle) => JobSink,
    watch?: (abort: (error: unknown) => void) => (() => void) | undefined,
  ): void {
    const job: Job = {
      task,
      reader,
      sink: undefined as unknown as JobSink,
      prefetch: null,
      pulling: false,
      ended: false,
      cancelled: false,
      outstanding: new Set(),
      aborted: undefined,
      onEnd: undefined,
      unreleased: 0,
      held: 0,
    };
    const cancel = (error?: unknown): void => this.#cancel(job, error);
    job.sink = makeSink({
      release: (items, chunks) => {
        if (job.cancelled) return;
        job.held -= items;
        this.#held -= items;
        job.unreleased -= chunks;
        this.#pull(job);
      },
      stopPulling: () => {
        if (job.ended) return;
        job.ended = true;
        if (job.prefetch !== null) this.#drop(job);
        void job.reader.close().catch(() => {});
        this.#checkFinished(job);
      },
      cancel,
    });
    this.#active.add(job);
    if (this.#linkError !== undefined) cancel(this.#linkError);
    if (watch !== undefined && !job.cancelled) {
      const unwatch = watch((error) => this.#abort(job, error));
      if (job.cancelled) unwatch?.();
      else job.onEnd = unwatch;
    }
    this.#pull(job);
  }

  /** Resolves when no call is active. */
  idle(): Promise<void> {
    if (this.#active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Cancels every active call with `error`. */
  cancelAll(error: unknown): void {
    for (const job of [...this.#active]) this.#cancel(job, error);
  }

  /** Tells every worker to leave (`close`: after its queue; `terminate`: now) and waits for each one's goodbye. */
  release(how: 'close' | 'terminate'): Promise<void> {
    this.#released ??= (async () => {
      await Promise.all(this.#workers.map((w) => this.#link.send(w.rank, { t: how })));
      await this.#receiving;
    })();
    return this.#released;
  }

  #pull(job: Job): void {
    if (job.cancelled || job.ended || job.pulling || job.prefetch !== null || job.unreleased >= this.#window) return;
    job.pulling = true;
    job.reader.next().then(
      (chunk) => {
        job.pulling = false;
        if (job.cancelled) return;
        if (chunk === null || job.ended) {
          job.ended = true;
          this.#checkFinished(job);
          return;
        }
        job.prefetch = chunk;
        job.unreleased++;
        job.held += chunk.args.length;
        this.#held += chunk.args.length;
        if (this.#held > this.#peak) this.#peak = this.#held;
        this.#ready.push(job);
        this.#dispatch();
      },
      (error: unknown) => {
        job.pulling = false;
        this.#cancel(job, error);
      },
    );
  }

  /** Sends ready chunks while some worker has a free slot. */
  #dispatch(): void {
    while (this.#ready.length > 0) {
      let worker: Worker | undefined;
      for (const w of this.#workers) if (w.busy < this.#perWorker && (worker === undefined || w.busy < worker.busy)) worker = w;
      if (worker === undefined) return;
      const job = this.#ready.shift()!;
      const chunk = job.prefetch;
      if (chunk === null || job.cancelled) continue;
      job.prefetch = null;
      const id = this.#nextId++;
      this.#sent.set(id, { job, chunk, worker });
      job.outstanding.add(id);
      worker.busy++;
      this.#chunksSent++;
      this.#link.send(worker.rank, { t: 'chunk', id, task: job.task, args: chunk.args }).catch((error: unknown) => {
        // Nothing was sent (an argument structured clone refuses): the slot is free again.
        this.#forget(id);
        this.#cancel(job, error);
        this.#dispatch();
      });
      this.#pull(job);
    }
  }

  #drop(job: Job): void {
    const chunk = job.prefetch!;
    job.prefetch = null;
    job.unreleased--;
    job.held -= chunk.args.length;
    this.#held -= chunk.args.length;
  }

  #forget(id: number): Sent | undefined {
    const s = this.#sent.get(id);
    if (s === undefined) return undefined;
    this.#sent.delete(id);
    s.worker.busy--;
    s.job.outstanding.delete(id);
    return s;
  }

  async #receive(): Promise<void> {
    let left = this.#workers.length;
    try {
      while (left > 0) {
        const [from, m] = await this.#link.recv();
        if (m.t === 'bye') left--;
        else this.#onReply(from, m);
      }
    } catch (error) {
      this.#linkError = error;
      this.cancelAll(error);
      throw error;
    }
  }

  #onReply(from: number, m: Exclude<ToDriver, { t: 'bye' }>): void {
    const s = this.#forget(m.id);
    if (s === undefined) return;
    const { job, chunk } = s;
    if (m.t === 'done') {
      this.#tasksDone += m.values.length + (m.error === undefined ? 0 : 1);
      if (!job.cancelled) job.sink.deliver(chunk, m.values, m.error === undefined ? undefined : new TaskError(from, job.task, m.error));
    } else if (job.aborted !== undefined) this.#cancel(job, job.aborted.error);
    this.#checkFinished(job);
    this.#dispatch();
  }

  #checkFinished(job: Job): void {
    if (job.cancelled || !job.ended || job.pulling || job.prefetch !== null || job.outstanding.size > 0) return;
    this.#remove(job);
    job.sink.finished();
  }

  /**
   * An abort (the call's signal) cancels what has not started. When the whole input has been
   * read and only chunks at workers remain, the call waits to hear from them: a chunk that was
   * already running delivers its results, one that was still queued comes back skipped and
   * fails the call. Otherwise some items never ran, and the call fails at once.
   */
  #abort(job: Job, error: unknown): void {
    if (job.cancelled || job.aborted !== undefined) return;
    if (!job.ended || job.pulling || job.prefetch !== null || job.outstanding.size === 0) {
      this.#cancel(job, error);
      return;
    }
    job.aborted = { error };
    this.#sendCancel(job);
  }

  #cancel(job: Job, error: unknown): void {
    if (job.cancelled) return;
    job.cancelled = true;
    job.ended = true;
    if (job.prefetch !== null) this.#drop(job);
    this.#held -= job.held;
    job.held = 0;
    void job.reader.close().catch(() => {});
    if (job.aborted === undefined) this.#sendCancel(job);
    this.#remove(job);
    if (error !== undefined) job.sink.fail(error);
  }

  /** Chunks a worker has queued but not started come back as skipped; their slots free then. */
  #sendCancel(job: Job): void {
    const byWorker = new Map<number, number[]>();
    for (const id of job.outstanding) {
      const rank = this.#sent.get(id)!.worker.rank;
      byWorker.set(rank, [...(byWorker.get(rank) ?? []), id]);
    }
    for (const [rank, ids] of byWorker) this.#link.send(rank, { t: 'cancel', ids } satisfies ToWorker).catch(() => {});
  }

  #remove(job: Job): void {
    if (!this.#active.delete(job)) return;
    job.onEnd?.();
    if (this.#active.size === 0) for (const w of this.#idleWaiters.splice(0)) w();
  }
}
