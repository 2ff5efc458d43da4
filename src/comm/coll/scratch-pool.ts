/**
 * Working memory of a communicator's collectives that never reaches the program (a reduce's
 * partial on an interior rank, a reduce-scatter's blocks in flight): borrowed for one call and
 * given back at its end, so a loop of collectives stops allocating it. Collectives in flight
 * at once (nonblocking ones) each borrow their own. A little is kept, not all: memory past
 * kKeptBytes goes back to the garbage collector.
 */
import { type TypedArray } from '../ops/elementwise.js';

const kKeptBytes = 16 * 1024 * 1024;
const kKeptBuffers = 16;

type ViewCtor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => TypedArray;

export class ScratchPool {
  readonly #free: ArrayBuffer[] = [];
  #keptBytes = 0;

  /** An array of `like`'s element type with `length` elements, contents undefined. */
  borrow(like: TypedArray, length: number): TypedArray {
    const bytes = length * like.BYTES_PER_ELEMENT;
    let best = -1;
    for (let i = 0; i < this.#free.length; i++) {
      const b = this.#free[i].byteLength;
      if (b >= bytes && (best < 0 || b < this.#free[best].byteLength)) best = i;
    }
    let buffer: ArrayBuffer;
    if (best >= 0) {
      buffer = this.#free.splice(best, 1)[0];
      this.#keptBytes -= buffer.byteLength;
    } else {
      // Rounded up to whole 4 KiB pages, so calls whose sizes differ a little share buffers.
      buffer = new ArrayBuffer(Math.max(8, Math.ceil(bytes / 4096) * 4096));
    }
    // By the intrinsic tag: a Buffer's own constructor takes other arguments.
    const View = (globalThis as unknown as Record<string, ViewCtor>)[like[Symbol.toStringTag]];
    return new View(buffer, 0, length);
  }

  /** Takes back an array from `borrow` (the whole of its buffer). */
  giveBack(array: TypedArray): void {
    const buffer = array.buffer as ArrayBuffer;
    if (this.#free.includes(buffer)) return;
    if (this.#free.length >= kKeptBuffers || this.#keptBytes + buffer.byteLength > kKeptBytes) return;
    this.#free.push(buffer);
    this.#keptBytes += buffer.byteLength;
  }
}
