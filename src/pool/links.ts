/**
 * How driver and workers reach each other: over the pool's communicator. In a world of size 1
 * the root is its own single worker and its messages go to itself.
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
    workers: comm.size === 1 ? [root] : Array.from({ length: comm.size }, (_, r) => r).filter((r) => r !== root),
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
