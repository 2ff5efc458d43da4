/**
 * An in-memory world for collective algorithms: N CollHosts in one process, wired through a hub.
 * Channel k on rank i talks to channel k on rank j (channels match by the order each rank opened
 * them, as the real per-call tags do). Delivery is FIFO per ordered pair of ranks, across all
 * channels, like one socket pipe per pair. Packets are copied on send, as a wire would, so no two
 * ranks ever share memory.
 *
 * With `shuffleDelays`, each pair delivers after a random number of microtask or event-loop turns, so
 * messages of different pairs arrive in an unpredictable order (never reordering one pair):
 * good for shaking out algorithms that assume an arrival order they are not promised.
 */
import type { CollChannel, CollHost, ForcedAlgorithms } from '../../src/comm/coll/channel.js';
import type { Packet } from '../../src/comm/serialization/packet.js';
import { HostScratch } from '../../src/comm/transport/host-scratch.js';
import { ScratchPool } from '../../src/comm/coll/scratch-pool.js';

export interface CollWorldOptions {
  algorithms?: ForcedAlgorithms;
  shuffleDelays?: boolean;
  /** Seed of the delay generator, for a reproducible shuffle. */
  seed?: number;
  /**
   * Give the hosts one host memory (as ranks of one host behind shared memory have): the real
   * HostScratch over one in-process buffer of this many bytes that every rank maps.
   */
  hostMemoryBytes?: number;
  /**
   * Spread the ranks over hosts (CollHost.hostOf; needs hostMemoryBytes): each host's ranks
   * share a buffer of their own.
   */
  hostOf?: readonly number[];
}

export interface HubHost extends CollHost {
  /** Channels this rank has opened so far. */
  readonly opened: number;
}

export interface Hub {
  readonly hosts: HubHost[];
  /** Messages sent and received so far, over all ranks. */
  readonly sent: number;
  readonly received: number;
  readonly bytes: number;
  /** Bytes sent by each rank. */
  readonly bytesFrom: readonly number[];
}

interface Waiter {
  resolve(msg: Packet[]): void;
}

/**
 * As a transport that writes its receive memory again once a capture copied a message: the
 * memory of packets the capture replaced is overwritten, so a result left pointing there shows.
 * (Packets it returns as they are stay the receiver's, as large messages are.)
 */
function captureAndSpoil(msg: Packet[], capture: (packets: Packet[]) => Packet[]): Packet[] {
  const got = capture(msg);
  for (const p of msg) if (!got.some((g) => g.bytes.buffer === p.bytes.buffer)) p.bytes.fill(0xee);
  return got;
}

class Mailbox {
  readonly queue: Packet[][] = [];
  readonly waiters: Waiter[] = [];
}

/** Hosts for `size` ranks; see {@link createCollHub} for the counters. */
export function createCollWorld(size: number, options: CollWorldOptions = {}): HubHost[] {
  return createCollHub(size, options).hosts;
}

export function createCollHub(size: number, options: CollWorldOptions = {}): Hub {
  const boxes = new Map<string, Mailbox>();
  const stats = { sent: 0, received: 0, bytes: 0 };
  const bytesFrom = new Array<number>(size).fill(0);
  let seed = (options.seed ?? 12345) >>> 0;
  const random = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const box = (k: number, from: number, to: number): Mailbox => {
    const key = `${k}:${from}:${to}`;
    let b = boxes.get(key);
    if (b === undefined) boxes.set(key, (b = new Mailbox()));
    return b;
  };
  const deliver = (k: number, from: number, to: number, msg: Packet[]): void => {
    const b = box(k, from, to);
    const w = b.waiters.shift();
    if (w !== undefined) {
      stats.received++;
      w.resolve(msg);
    } else {
      b.queue.push(msg);
    }
  };
  // Per ordered pair: a queue drained by one pump, so a pair's messages keep their order.
  const pairs = new Map<string, { pending: Array<() => void>; pumping: boolean }>();
  const schedule = (from: number, to: number, fn: () => void): void => {
    if (!options.shuffleDelays) return fn();
    const key = `${from}:${to}`;
    let p = pairs.get(key);
    if (p === undefined) pairs.set(key, (p = { pending: [], pumping: false }));
    p.pending.push(fn);
    if (p.pumping) return;
    p.pumping = true;
    const pair = p;
    // Mostly a few microtask turns (cheap), sometimes a whole event-loop turn (setImmediate).
    const pump = (): void => {
      const deliver = (): void => {
        pair.pending.shift()!();
        if (pair.pending.length > 0) pump();
        else pair.pumping = false;
      };
      const x = random();
      if (x < 0.15) return void setImmediate(deliver);
      let chain = Promise.resolve();
      for (let i = Math.floor(x * 8); i > 0; i--) chain = chain.then();
      void chain.then(deliver);
    };
    queueMicrotask(pump);
  };

  const memories = new Map<string, ArrayBuffer>();
  const map = (path: string, bytes: number): ArrayBuffer => {
    const capacity = options.hostMemoryBytes!;
    if (bytes > capacity) throw new Error(`hub: host memory of ${bytes} bytes asked for, the hub has ${capacity}`);
    let memory = memories.get(path);
    if (memory === undefined) memories.set(path, (memory = new ArrayBuffer(capacity)));
    return memory;
  };
  const hostOf = options.hostOf;
  const hosts = Array.from({ length: size }, (_, rank): HubHost => {
    let opened = 0;
    const host = hostOf?.[rank] ?? 0;
    const housemates = hostOf === undefined ? size : hostOf.filter((h) => h === host).length;
    const hostMemory = options.hostMemoryBytes !== undefined && housemates > 1 ? new HostScratch(`hub-${host}`, map) : undefined;
    const check = (peer: number, what: string): void => {
      if (!Number.isInteger(peer) || peer < 0 || peer >= size || peer === rank) {
        throw new Error(`hub: rank ${rank} ${what} peer ${peer} (size ${size})`);
      }
    };
    return {
      rank,
      size,
      algorithms: options.algorithms ?? {},
      scratch: new ScratchPool(),
      hostMemory,
      hostOf,
      get opened() {
        return opened;
      },
      channel(): CollChannel {
        const k = opened++;
        return {
          rank,
          size,
          // Like shared memory: the bytes are copied at the call.
          sendCopies: true,
          send(peer: number, packets: readonly Packet[]): Promise<void> {
            check(peer, 'sends to');
            // Copy now, as a transport captures the bytes when send is called.
            const msg = packets.map((p) => ({ code: p.code, bytes: Buffer.from(p.bytes) }));
            stats.sent++;
            for (const p of msg) {
              stats.bytes += p.bytes.length;
              bytesFrom[rank] += p.bytes.length;
            }
            schedule(rank, peer, () => deliver(k, rank, peer, msg));
            return Promise.resolve();
          },
          recv(peer: number, capture?: (packets: Packet[]) => Packet[]): Promise<Packet[]> {
            check(peer, 'receives from');
            const b = box(k, peer, rank);
            const msg = b.queue.shift();
            if (msg !== undefined) {
              stats.received++;
              return Promise.resolve(capture === undefined ? msg : captureAndSpoil(msg, capture));
            }
            return new Promise((resolve) => b.waiters.push({ resolve: capture === undefined ? resolve : (m) => resolve(captureAndSpoil(m, capture)) }));
          },
        };
      },
    };
  });
  return {
    hosts,
    get sent() {
      return stats.sent;
    },
    get received() {
      return stats.received;
    },
    get bytes() {
      return stats.bytes;
    },
    bytesFrom,
  };
}

/**
 * Runs `fn` on every rank at once and gives each rank's outcome; fails fast (instead of hanging
 * until the test timeout) when some rank never finishes.
 */
export async function onEveryRank<T>(
  hosts: readonly CollHost[],
  fn: (host: CollHost, rank: number) => Promise<T>,
  timeoutMs = 5000,
): Promise<Array<PromiseSettledResult<T>>> {
  const done = new Array<boolean>(hosts.length).fill(false);
  const all = Promise.allSettled(
    hosts.map(async (h, r) => {
      try {
        return await fn(h, r);
      } finally {
        done[r] = true;
      }
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const stuck = done.flatMap((d, r) => (d ? [] : [r]));
      reject(new Error(`collective hung: ranks ${stuck.join(', ')} never finished`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([all, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Like {@link onEveryRank}, but every rank must succeed: gives the values by rank. */
export async function valuesOnEveryRank<T>(hosts: readonly CollHost[], fn: (host: CollHost, rank: number) => Promise<T>, timeoutMs?: number): Promise<T[]> {
  const settled = await onEveryRank(hosts, fn, timeoutMs);
  return settled.map((s, r) => {
    if (s.status === 'rejected') throw new Error(`rank ${r} failed: ${String(s.reason)}`, { cause: s.reason });
    return s.value;
  });
}
