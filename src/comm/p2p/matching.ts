/**
 * MPI message matching, pure and synchronous. A receive is keyed by (ctx, src, tag) where src
 * and tag may be wildcards (-1). Arriving messages that no posted receive wants wait in the
 * unexpected queues, per (ctx, src) in arrival order; posted receives wait per ctx in post order.
 *
 * Invariants that give MPI's non-overtaking rule:
 * - a new receive takes the EARLIEST-ARRIVED matching unexpected message (for ANY_SOURCE, the
 *   earliest across sources, by a global arrival number);
 * - an arriving message goes to the EARLIEST-POSTED matching receive.
 * Wildcard tags match only tags >= 0; collectives use their own ctx anyway.
 */
export const kAny = -1;

export interface Arrival<M> {
  readonly ctx: number;
  readonly src: number;
  readonly tag: number;
  readonly msg: M;
  /** Global arrival number, to order ANY_SOURCE matches across senders. */
  order: number;
}

export interface Posted {
  readonly ctx: number;
  readonly src: number;
  readonly tag: number;
}

/** Whether a posted receive (or probe) wants a message of (ctx, src, tag). */
export function matches(p: Posted, ctx: number, src: number, tag: number): boolean {
  return p.ctx === ctx && (p.src === kAny || p.src === src) && (p.tag === kAny ? tag >= 0 : p.tag === tag);
}

/** A FIFO with O(1) shift and rare removal from the middle. */
class Fifo<T> {
  #items: T[] = [];
  #head = 0;
  get length(): number {
    return this.#items.length - this.#head;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  at(i: number): T {
    return this.#items[this.#head + i];
  }
  removeAt(i: number): T {
    if (i === 0) {
      const item = this.#items[this.#head];
      this.#items[this.#head++] = undefined as T;
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      return item;
    }
    return this.#items.splice(this.#head + i, 1)[0];
  }
}

export class MatchQueues<M, R extends Posted = Posted> {
  /** ctx → src → arrivals in order. */
  readonly #unexpected = new Map<number, Map<number, Fifo<Arrival<M>>>>();
  /** ctx → posted receives in post order. */
  readonly #posted = new Map<number, R[]>();
  #arrivals = 0;
  #unexpectedCount = 0;

  get unexpectedCount(): number {
    return this.#unexpectedCount;
  }

  /** Where the first unexpected match sits, without removing it. */
  #find(ctx: number, src: number, tag: number): { queue: Fifo<Arrival<M>>; index: number } | undefined {
    const bySrc = this.#unexpected.get(ctx);
    if (bySrc === undefined) return undefined;
    if (src !== kAny) {
      const queue = bySrc.get(src);
      if (queue === undefined) return undefined;
      for (let i = 0; i < queue.length; i++) {
        const a = queue.at(i);
        if (tag === kAny ? a.tag >= 0 : a.tag === tag) return { queue, index: i };
      }
      return undefined;
    }
    let best: { queue: Fifo<Arrival<M>>; index: number; order: number } | undefined;
    for (const queue of bySrc.values()) {
      for (let i = 0; i < queue.length; i++) {
        const a = queue.at(i);
        if (tag === kAny ? a.tag >= 0 : a.tag === tag) {
          if (best === undefined || a.order < best.order) best = { queue, index: i, order: a.order };
          break;
        }
      }
    }
    return best;
  }

  /** The earliest matching unexpected message, left in place (probe). */
  peek(ctx: number, src: number, tag: number): Arrival<M> | undefined {
    const hit = this.#find(ctx, src, tag);
    return hit === undefined ? undefined : hit.queue.at(hit.index);
  }

  /** Removes and returns the earliest matching unexpected message (a receive that need not wait). */
  take(ctx: number, src: number, tag: number): Arrival<M> | undefined {
    const hit = this.#find(ctx, src, tag);
    if (hit === undefined) return undefined;
    this.#unexpectedCount--;
    return hit.queue.removeAt(hit.index);
  }

  /** Queues a receive; call only after `take` found nothing, or order breaks. */
  post(receiver: R): void {
    const list = this.#posted.get(receiver.ctx);
    if (list === undefined) this.#posted.set(receiver.ctx, [receiver]);
    else list.push(receiver);
  }

  /** Withdraws a posted receive; false if it was already matched. */
  cancel(receiver: R): boolean {
    const list = this.#posted.get(receiver.ctx);
    const i = list === undefined ? -1 : list.indexOf(receiver);
    if (i < 0) return false;
    list!.splice(i, 1);
    return true;
  }

  /**
   * Hands an arriving message to the earliest-posted matching receive and returns that receive,
   * or keeps the message as unexpected and returns undefined.
   */
  deliver(ctx: number, src: number, tag: number, msg: M): R | undefined {
    const list = this.#posted.get(ctx);
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        if (matches(list[i], ctx, src, tag)) return list.splice(i, 1)[0];
      }
    }
    let bySrc = this.#unexpected.get(ctx);
    if (bySrc === undefined) this.#unexpected.set(ctx, (bySrc = new Map<number, Fifo<Arrival<M>>>()));
    let queue = bySrc.get(src);
    if (queue === undefined) bySrc.set(src, (queue = new Fifo()));
    queue.push({ ctx, src, tag, msg, order: this.#arrivals++ });
    this.#unexpectedCount++;
    return undefined;
  }

  /** Every receive still waiting, in post order per ctx (for diagnostics and shutdown). */
  pending(): R[] {
    return [...this.#posted.values()].flat();
  }
}
