/**
 * A communicator's host memory (../host-memory.ts): one file in the job directory of the
 * communicator's first rank, mapped by each of its ranks, grown as calls need more and never
 * shrunk, removed with the job directory (or when that rank's transport closes).
 */
import type { HostMemory, SharedTurn } from '../host-memory.js';

/** Mappings grow in steps of this, so a series of slightly larger calls maps once. */
const kGrowBytes = 1024 * 1024;

export class HostScratch implements HostMemory {
  readonly #path: string;
  readonly #map: (path: string, bytes: number) => ArrayBuffer;
  readonly #allocate: (bytes: number) => ArrayBuffer;
  #view: Uint8Array | undefined;
  /** Settles when the latest turn taken is done. */
  #last: Promise<void> = Promise.resolve();

  constructor(path: string, map: (path: string, bytes: number) => ArrayBuffer, allocate = (bytes: number) => new ArrayBuffer(bytes)) {
    this.#path = path;
    this.#map = map;
    this.#allocate = allocate;
  }

  enter(): SharedTurn {
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const ready = this.#last;
    this.#last = ready.then(() => finished);
    return { ready, done, scratch: (bytes) => this.#scratch(bytes), allocate: this.#allocate };
  }

  #scratch(bytes: number): Uint8Array {
    if (this.#view === undefined || this.#view.length < bytes) {
      const size = Math.max(kGrowBytes, Math.ceil(bytes / kGrowBytes) * kGrowBytes);
      this.#view = new Uint8Array(this.#map(this.#path, size));
    }
    return this.#view.subarray(0, bytes);
  }
}
