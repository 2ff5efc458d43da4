/**
 * How driver and workers reach each other: over the pool's communicator, or, in a world of
 * size 1, through in-process queues so the root runs tasks itself with the same code.
 */
import { ANY_SOURCE } from '../comm/constants.js';
import type { Communicator } from '../comm/communicator.js';
import { Status } from '../comm/status.js';
import { kReplyTag, kWorkTag, type ToDriver, type ToWorker } from './protocol.js';

export interface DriverLink {
  /** Ranks that run tasks. */
  readonly workers: readonly number[];
  send(worker: number, message: ToWorker): Promise<void>;
  recv(): Promise<[from: number, message: ToDriver]>;
}

export interface WorkerLink {
  readonly rank: number;
  recv(): Promise<ToWorker>;
  send(message: ToDriver): Promise<void>;
}

export function driverOverComm(comm: Communicator, root: number): DriverLink {
  const status = new Status();
  return {
    workers: Array.from({ length: comm.size }, (_, r) => r).filter((r) => r !== root),
    send: (worker, message) => comm.send(message, worker, kWorkTag),
    recv: async () => {
      const m = await comm.recv<ToDriver>(ANY_SOURCE, kReplyTag, status);
      return [status.source, m];
    },
  };
}

export function workerOverComm(comm: Communicator, root: number): WorkerLink {
  return {
    rank: comm.rank,
    recv: () => comm.recv<ToWorker>(root, kWorkTag),
    send: (message) => comm.send(message, root, kReplyTag),
  };
}

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
