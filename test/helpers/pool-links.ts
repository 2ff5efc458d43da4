/**
 * Driver and worker links joined by in-process queues, for testing the pool's loops without
 * starting a job. Values are structured-cloned as a send would copy them.
 */
import type { DriverLink, WorkerLink } from '../../src/pool/links.js';
import type { ToDriver, ToWorker } from '../../src/pool/protocol.js';

/** A one-way in-process queue; values are structured-cloned as a send would copy them. */
class Mailbox<T> {
  readonly #items: T[] = [];
  readonly #waiting: Array<(m: T) => void> = [];
  put(message: T): Promise<void> {
    let copy: T;
    try {
      copy = structuredClone(message);
    } catch (err) {
      return Promise.reject(new TypeError(`cannot send the task's data: ${(err as Error).message} (only values that structured clone accepts can be sent)`));
    }
    const w = this.#waiting.shift();
    if (w !== undefined) w(copy);
    else this.#items.push(copy);
    return Promise.resolve();
  }
  take(): Promise<T> {
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift()!);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}

/** Both ends for a world of size 1: the root is its own single worker. */
export function inProcessLinks(rank: number): { driver: DriverLink; worker: WorkerLink } {
  const down = new Mailbox<ToWorker>();
  const up = new Mailbox<ToDriver>();
  return {
    driver: {
      workers: [rank],
      send: (_worker, message) => down.put(message),
      recv: async () => [rank, await up.take()],
    },
    worker: { rank, recv: () => down.take(), send: (message) => up.put(message) },
  };
}
