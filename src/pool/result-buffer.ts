/**
 * Reassembles chunk results that arrive in any order into input order. It holds only chunks
 * that came early; the dispatcher's window bounds how many that can be.
 */

interface Entry<V, E> {
  values: V[];
  /** Set when an item of the chunk failed: it follows `values`. */
  error?: E;
}

export class ResultBuffer<V, E = unknown> {
  readonly #early = new Map<number, Entry<V, E>>();
  #next = 0;
  #items = 0;

  /** Stores the results of chunk `seq` (each seq once). */
  put(seq: number, values: V[], error?: E): void {
    if (seq < this.#next || this.#early.has(seq)) throw new RangeError(`chunk ${seq} was already stored`);
    this.#early.set(seq, error === undefined ? { values } : { values, error });
    this.#items += values.length;
  }

  /** The next chunk in order if it has arrived, removing it; undefined if it has not yet. */
  take(): Entry<V, E> | undefined {
    const e = this.#early.get(this.#next);
    if (e === undefined) return undefined;
    this.#early.delete(this.#next++);
    this.#items -= e.values.length;
    return e;
  }

  /** Chunks held. */
  get chunks(): number {
    return this.#early.size;
  }

  /** Items held. */
  get items(): number {
    return this.#items;
  }

  /** The seq the next `take` returns. */
  get nextSeq(): number {
    return this.#next;
  }
}
