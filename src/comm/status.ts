import { ANY_SOURCE, ANY_TAG } from './constants.js';

/**
 * Filled by a receive or probe: who sent the message, with which tag, and how many payload
 * bytes it carried.
 *
 * ```ts
 * const status = new Status();
 * const value = await comm.recv(ANY_SOURCE, ANY_TAG, status);
 * console.log(`got ${status.count} bytes from rank ${status.source} with tag ${status.tag}`);
 * ```
 */
export class Status {
  /** The sender's rank in the communicator; ANY_SOURCE until a receive fills it. */
  source: number = ANY_SOURCE;
  /** The message's tag; ANY_TAG until a receive fills it. */
  tag: number = ANY_TAG;
  /** Bytes of payload the message carried; 0 until a receive fills it. */
  count = 0;
}

export interface Received<T> {
  value: T;
  source: number;
  tag: number;
  count: number;
}

export function fillStatus(status: Status | undefined, r: { source: number; tag: number; count: number }): void {
  if (status === undefined) return;
  status.source = r.source;
  status.tag = r.tag;
  status.count = r.count;
}
