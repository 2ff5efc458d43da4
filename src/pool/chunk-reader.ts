/**
 * Cuts an iterable into chunks on demand: nothing is read ahead of the chunk asked for, so an
 * endless generator or a million items never sit in memory.
 */

export interface Chunk {
  /** Position of the chunk in its call, from 0. */
  seq: number;
  /** Index of the chunk's first item in the input. */
  start: number;
  /** One argument tuple per item. */
  args: unknown[][];
}

/** The length of inputs whose size is known without reading them, else undefined. */
export function sizeOf(input: unknown): number | undefined {
  if (Array.isArray(input)) return input.length;
  if (ArrayBuffer.isView(input)) return (input as unknown as { length?: number }).length;
  if (input instanceof Set || input instanceof Map) return input.size;
  if (typeof input === 'string') return input.length;
  const length = (input as { length?: unknown } | null)?.length;
  return typeof length === 'number' && Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/** Python's rule: about four chunks per worker for sized inputs; one item per chunk otherwise. */
export function defaultChunksize(size: number | undefined, workers: number): number {
  if (size === undefined) return 1;
  return Math.max(1, Math.ceil(size / (4 * workers)));
}

export class ChunkReader {
  readonly #sync: Iterator<unknown> | undefined;
  readonly #async: AsyncIterator<unknown> | undefined;
  readonly #chunksize: number;
  readonly #toArgs: (item: unknown) => unknown[];
  #seq = 0;
  #pulled = 0;
  #done = false;

  /** `toArgs` turns an item into the task's argument tuple (map: `[item]`, starmap: the item). */
  constructor(input: Iterable<unknown> | AsyncIterable<unknown>, chunksize: number, toArgs: (item: unknown) => unknown[]) {
    const asyncIt = (input as AsyncIterable<unknown>)[Symbol.asyncIterator];
    if (typeof asyncIt === 'function') this.#async = asyncIt.call(input);
    else this.#sync = (input as Iterable<unknown>)[Symbol.iterator]();
    this.#chunksize = chunksize;
    this.#toArgs = toArgs;
  }

  /** Items read from the input so far. */
  get pulled(): number {
    return this.#pulled;
  }

  get done(): boolean {
    return this.#done;
  }

  /** The next chunk, or null once the input is exhausted. An input that throws rejects. */
  async next(): Promise<Chunk | null> {
    if (this.#done) return null;
    const start = this.#pulled;
    const args: unknown[][] = [];
    while (args.length < this.#chunksize) {
      const r = this.#sync !== undefined ? this.#sync.next() : await this.#async!.next();
      if (r.done) {
        this.#done = true;
        break;
      }
      this.#pulled++;
      args.push(this.#toArgs(r.value));
    }
    if (args.length === 0) return null;
    return { seq: this.#seq++, start, args };
  }

  /** Lets a generator run its `finally` when the call ends early. */
  async close(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await (this.#sync !== undefined ? this.#sync.return?.() : this.#async!.return?.());
  }
}
