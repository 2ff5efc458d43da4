/**
 * Stamped messages (a collective's signature travels in its header) go through the watcher of
 * their context before matching does: communicators check that every rank called the same
 * collective (coll/guard.ts). A stamped message for a context nobody watches yet (a
 * communicator still being built on this rank) is held until its watcher comes.
 */
import type { Packet } from '../serialization/packet.js';
import type { Stamp } from './envelope.js';

/** Sees every stamped message arriving on a watched ctx before matching does; false drops it. */
export type StampWatcher = (src: number, tag: number, stamp: Stamp, packets: Packet[]) => boolean;

interface Stamped {
  readonly src: number;
  readonly tag: number;
  readonly packets: Packet[];
}

export class StampWatchers<M extends Stamped> {
  readonly #watchers = new Map<number, StampWatcher>();
  readonly #held = new Map<number, Array<{ stamp: Stamp; msg: M }>>();

  /** Whether a stamped arrival goes on to matching now: false when held (no watcher yet) or refused (then `dropped`). */
  admit(ctx: number, stamp: Stamp, msg: M, dropped: (msg: M) => void): boolean {
    const watcher = this.#watchers.get(ctx);
    if (watcher === undefined) {
      let held = this.#held.get(ctx);
      if (held === undefined) this.#held.set(ctx, (held = []));
      held.push({ stamp, msg });
      return false;
    }
    if (watcher(msg.src, msg.tag, stamp, msg.packets)) return true;
    dropped(msg);
    return false;
  }

  /** Routes stamped arrivals on `ctx` through `watcher`, first those held before it came. */
  watch(ctx: number, watcher: StampWatcher, arrive: (msg: M) => void, dropped: (msg: M) => void): void {
    this.#watchers.set(ctx, watcher);
    const held = this.#held.get(ctx);
    if (held === undefined) return;
    this.#held.delete(ctx);
    for (const { stamp, msg } of held) {
      if (watcher(msg.src, msg.tag, stamp, msg.packets)) arrive(msg);
      else dropped(msg);
    }
  }
}
