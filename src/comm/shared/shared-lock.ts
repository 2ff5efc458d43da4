/**
 * SharedLock: multiprocessing.Lock across the ranks of one host, as a ticket lock in a shared
 * block (allocateShared) whose releaser wakes the next ticket holder with a message.
 *
 * Why tickets and messages: a ticket lock serves waiters in the order they came (FIFO), so
 * no rank starves. A waiter must sleep in the kernel, yet the block is an ArrayBuffer, not a
 * SharedArrayBuffer (Atomics.wait is unavailable), and a futex wait on the JavaScript thread
 * would stop this rank's event loop, and so its messages, while it waits: the lock holder
 * might be waiting for one of them. So a waiter awaits a message (a receive polls briefly,
 * then sleeps in the kernel: epoll on the shared-memory bell or the ZeroMQ socket) and the
 * rank stays responsive. A lock without contention costs two atomic adds and no message.
 *
 * Block layout (Int32, the counters a cache line apart):
 *   [0]            next ticket to hand out
 *   [16]           ticket now served (its holder has the lock)
 *   [32 + t % S]   rank + 1 of the holder of ticket t if it sleeps, else 0 (S: a power of
 *                  two ≥ size, so t % S stays right when the counters wrap at 2^32)
 * Sleeping (a Dekker pair; Atomics are sequentially consistent):
 *   waiter:   slot := rank + 1; look at serving    releaser: serving += 1; exchange slot to 0
 * so either the waiter sees its turn or the releaser sees the waiter, takes the slot and sends
 * the wake-up; a waiter that sees its turn takes its slot back, and if the releaser took it
 * first, waits for the message already on its way (so no stray wake-up is ever left).
 *
 * Each rank takes at most one ticket at a time: async code of one rank that calls acquire
 * again waits in a local queue first, so slots never clash and every caller is served in turn.
 */
import type { Communicator } from '../communicator.js';
import { ANY_SOURCE } from '../constants.js';
import { Errors, MpiError } from '../errors.js';

const kNext = 0;
const kServing = 16;
const kSlots = 32;
const kWakeTag = 0;
/** Looks at the counter this many times before sleeping: a hand-off in progress completes. */
const kPolls = 64;

/**
 * A lock across the ranks of one host (multiprocessing.Lock), made by
 * `await host.createSharedLock()` on a communicator whose ranks share a host; waiters are
 * served in the order they came.
 *
 * ```ts
 * const host = await COMM_WORLD.splitShared();
 * const lock = await host.createSharedLock();
 * await lock.withLock(async () => { counter[0] += 1; });
 * ```
 */
export class SharedLock {
  /** A private duplicate of the communicator: wake-ups never meet the program's messages. */
  readonly #wake: Communicator;
  readonly #words: Int32Array;
  readonly #mask: number;
  /** Settles when the previous local caller of acquire has released. */
  #localTail: Promise<void> = Promise.resolve();
  #releaseLocal: (() => void) | undefined;
  #ticket = 0;
  #held = false;

  /** @internal Use `comm.createSharedLock()`. */
  constructor(wake: Communicator, words: Int32Array, slots: number) {
    this.#wake = wake;
    this.#words = words;
    this.#mask = slots - 1;
  }

  /** Whether this rank holds the lock. */
  get held(): boolean {
    return this.#held;
  }

  /** Resolves once this rank holds the lock; callers are served in the order they came. */
  async acquire(): Promise<void> {
    const previous = this.#localTail;
    let releaseLocal!: () => void;
    this.#localTail = new Promise<void>((resolve) => (releaseLocal = resolve));
    await previous;
    await this.#takeTurn();
    this.#held = true;
    this.#releaseLocal = releaseLocal;
  }

  /** Lets the next waiter in; throws MpiError ERR_NOT_HELD if this rank does not hold the lock. */
  release(): void {
    if (!this.#held) throw Errors.notHeld();
    this.#held = false;
    const w = this.#words;
    const next = (this.#ticket + 1) | 0;
    Atomics.store(w, kServing, next);
    const sleeper = Atomics.exchange(w, kSlots + (next & this.#mask), 0);
    // Fire and forget: release is synchronous like Python's; a send fails only when the job
    // does, and the waiter then fails on its own receive.
    if (sleeper !== 0) this.#wake.send(next, sleeper - 1, kWakeTag).catch(() => {});
    const releaseLocal = this.#releaseLocal!;
    this.#releaseLocal = undefined;
    releaseLocal();
  }

  /** Runs `fn` holding the lock and releases it afterwards, also when `fn` throws. */
  async withLock<R>(fn: () => R | Promise<R>): Promise<R> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  async #takeTurn(): Promise<void> {
    const w = this.#words;
    const ticket = Atomics.add(w, kNext, 1);
    this.#ticket = ticket;
    for (let i = 0; i < kPolls; i++) if (Atomics.load(w, kServing) === ticket) return;
    const slot = kSlots + (ticket & this.#mask);
    Atomics.store(w, slot, this.#wake.rank + 1);
    if (Atomics.load(w, kServing) === ticket && Atomics.exchange(w, slot, 0) !== 0) return;
    // Asleep (or the releaser took the slot just now): its message says it is our turn.
    await this.#wake.recv(ANY_SOURCE, kWakeTag);
  }
}

/** Collective: a lock over a new shared block of the communicator `comm`. */
export async function createSharedLock(comm: Communicator): Promise<SharedLock> {
  const slots = 2 ** Math.ceil(Math.log2(Math.max(1, comm.size)));
  const wake = await comm.dup();
  try {
    const words = await wake.allocateShared(Int32Array, kSlots + slots);
    return new SharedLock(wake, words, slots);
  } catch (error) {
    // Name the call and communicator the program used, not the private dup.
    if (error instanceof MpiError && error.code === 'ERR_NOT_SHARED') {
      throw new MpiError('ERR_NOT_SHARED', error.message.replace(`allocateShared on ${wake.name}`, `createSharedLock on ${comm.name}`));
    }
    throw error;
  }
}
