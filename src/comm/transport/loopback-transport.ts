/**
 * An in-memory transport: N ranks in one process, for exhaustive tests of matching and
 * algorithms without sockets. Keeps the transport guarantees (per-pair FIFO, no drops) and can
 * delay deliveries at random between different pairs to shake out ordering assumptions.
 */
import type { MessageHandler, Transport } from './transport.js';

export interface LoopbackOptions {
  /** Random extra delay (ms, up to this) per message; one pair's messages never reorder. */
  maxDelayMs?: number;
}

export function createLoopbackTransports(size: number, options: LoopbackOptions = {}): Transport[] {
  const handlers: MessageHandler[] = new Array<MessageHandler>(size).fill(() => {});
  /** Per ordered pair, messages not yet delivered: each timer delivers the pair's oldest. */
  const inFlight = new Map<number, Buffer[][]>();
  const maxDelay = options.maxDelayMs ?? 0;

  function deliver(from: number, to: number, frames: Buffer[]): void {
    // Copies model the wire: the receiver must never share memory with the sender's frames.
    const key = from * size + to;
    let queue = inFlight.get(key);
    if (queue === undefined) inFlight.set(key, (queue = []));
    queue.push(frames.map((f) => Buffer.from(f)));
    const run = (): void => {
      const next = queue.shift()!;
      handlers[to](from, next[0], next.slice(1));
    };
    if (maxDelay === 0) setImmediate(run);
    else setTimeout(run, Math.random() * maxDelay);
  }

  return Array.from({ length: size }, (_, rank): Transport => ({
    endpoint: `loopback://${rank}`,
    setDirectory() {},
    send(peer, frames) {
      deliver(rank, peer, frames);
      return Promise.resolve();
    },
    onMessage(handler) {
      handlers[rank] = handler;
    },
    setActive() {},
    close() {
      return Promise.resolve();
    },
  }));
}
