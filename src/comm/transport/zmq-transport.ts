/**
 * ZeroMQ transport: each rank binds one ROUTER; it reaches each peer through its own DEALER
 * (routing id = its rank), connected on first use. The ROUTER only ever receives, so ZeroMQ's
 * "ROUTER drops messages to unknown peers" case cannot arise; DEALERs block at the high-water
 * mark instead of dropping, and every DEALER send goes through a SendQueue.
 *
 * Keeping the process alive: a pending zeromq.js receive holds the Node event loop open, yet a
 * rank must exit by itself when its program is done. So the one reader runs in two modes:
 * active (some communication is pending: one receive without a timeout, waiting for the next
 * message) and idle (nothing pending: non-blocking drains from an unref'd timer, so arrivals
 * are still taken off the socket and connecting peers are authenticated). A timeout on the
 * active receive would let it end by itself, but zeromq.js starts and stops a timer for every
 * receive then (measured: 10-15 µs more per 8 B message on these machines); instead, once the
 * rank has stayed idle for a couple of drain periods, a message to itself ends the receive.
 */
import { Dealer, Router } from 'zeromq';
import { MpiError } from '../errors.js';
import type { MessageHandler, Transport } from './transport.js';
import { SendQueue } from './send-queue.js';
import { kPlainUser, ZapAuthenticator } from './zap.js';

const kIdleDrainMs = 10;
/** Drain periods without pending communication before the active receive is ended. */
const kIdleTicksBeforeRelease = 2;
/** How long an exiting rank keeps trying to deliver what it already sent. */
const kLingerMs = 30_000;

export interface ZmqTransportOptions {
  rank: number;
  size: number;
  /**
   * Where to bind, e.g. `ipc:///tmp/tsmpi-x/3`, and for a job spanning hosts also
   * `tcp://10.0.0.1:*` (the port is chosen at bind).
   */
  bindAddresses: readonly string[];
  /**
   * CURVE (see bootstrap/keys.ts): the ROUTER's server options and every DEALER's client
   * options. Absent: no encryption (trusted single-host runs over the private job directory,
   * and in-process tests). A peer that fails the handshake never gets a message through.
   */
  curve?: {
    server: { curveServer: true; curvePublicKey: string; curveSecretKey: string };
    client: { curveServerKey: string; curvePublicKey: string; curveSecretKey: string };
  };
  /**
   * Without `curve`: the job password every connecting peer must give (PLAIN, checked by a ZAP
   * handler, ./zap.ts): authenticated, not encrypted. Absent too: anyone who can reach the
   * endpoint may connect (in-process tests only).
   */
  password?: string;
}

const kWake = Buffer.alloc(0);
/** Tells the wake-up endpoints of the transports of one process apart (in-process tests make several). */
let transportsMade = 0;

/** Whether a routing id (the sender's rank in ASCII digits) names `rank`. */
function isFrom(id: Buffer, rank: number): boolean {
  return id.length > 0 && id.length < 11 && Number(id.toString('latin1')) === rank;
}

function isAgain(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === 'EAGAIN';
}

export class ZmqTransport implements Transport {
  readonly #rank: number;
  readonly #size: number;
  readonly #router: Router;
  readonly #queues: (SendQueue | undefined)[];
  readonly #dealers: (Dealer | undefined)[];
  readonly #clientSecurity: Record<string, string>;
  #zap: ZapAuthenticator | undefined;
  #endpoints: readonly string[] = [];
  #endpoint = '';
  #handler: MessageHandler | undefined;
  #active = false;
  /** A receive loop runs (never two at once: zeromq.js allows one pending receive per socket). */
  #reading = false;
  /** ... and it blocks, waiting for the next message. */
  #blocking = false;
  #idleTicks = 0;
  /** Connected to this rank's own ROUTER: its one message ends a blocking receive. */
  #waker: Dealer | undefined;
  #wakeSent = false;
  readonly #wakeEndpoint = `inproc://tsmpi-wake-${process.pid}-${++transportsMade}`;
  #timeout = -2;
  #closed = false;
  #idleTimer: NodeJS.Timeout | undefined;

  private constructor(options: ZmqTransportOptions) {
    this.#rank = options.rank;
    this.#size = options.size;
    // No receive high-water mark: this rank's ZeroMQ I/O thread takes every arriving message
    // off the wire at once, whatever the program is doing. Senders' queues therefore never back
    // up, and that matters because ZeroMQ drops a sender's backed-up queue when the sending
    // process exits, linger or not (measured: 1,403 of 20,000 messages lost with the default
    // mark of 1,000; none with this).
    const plain = options.curve === undefined && options.password !== undefined;
    this.#router = new Router({ linger: 0, receiveHighWaterMark: 0, ...options.curve?.server, ...(plain ? { plainServer: true } : {}) });
    this.#clientSecurity = options.curve?.client ?? (plain ? { plainUsername: kPlainUser, plainPassword: options.password! } : {});
    this.#queues = new Array<SendQueue | undefined>(options.size).fill(undefined);
    this.#dealers = new Array<Dealer | undefined>(options.size).fill(undefined);
  }

  static async bind(options: ZmqTransportOptions): Promise<ZmqTransport> {
    const t = new ZmqTransport(options);
    // The handler must be there before the first peer connects.
    if (options.curve === undefined && options.password !== undefined) t.#zap = await ZapAuthenticator.start(options.password);
    const bound: string[] = [];
    for (const address of options.bindAddresses) {
      await t.#router.bind(address);
      bound.push(t.#router.lastEndpoint ?? address);
    }
    t.#endpoint = bound.join(' ');
    await t.#router.bind(t.#wakeEndpoint);
    return t;
  }

  /** Every endpoint this rank listens on, separated by spaces. */
  get endpoint(): string {
    return this.#endpoint;
  }

  /**
   * `endpoints[r]` lists rank r's endpoints; `hosts[r]` names its host. A peer on this rank's
   * host is reached over ipc, any other over tcp.
   */
  setDirectory(endpoints: readonly string[], hosts: readonly string[] = []): void {
    const mine = hosts[this.#rank];
    this.#endpoints = endpoints.map((list, r) => {
      const all = list.split(' ').filter(Boolean);
      const local = mine !== undefined && hosts[r] === mine;
      return all.find((e) => e.startsWith(local ? 'ipc://' : 'tcp://')) ?? all[0];
    });
  }

  /**
   * Reading starts only here: a message taken off the socket before someone listens would be
   * lost (a fast peer can send as soon as it has the directory, before this rank has built
   * its engine). Until then arrivals wait in ZeroMQ.
   */
  onMessage(handler: MessageHandler): void {
    this.#handler = handler;
    if (this.#idleTimer === undefined) {
      this.#idleTimer = setInterval(() => this.#tick(), kIdleDrainMs);
      this.#idleTimer.unref();
    }
    if (this.#active) void this.#read(true);
  }

  #tick(): void {
    if (this.#closed) return;
    void this.#zap?.drain();
    if (!this.#reading) {
      // Nothing waiting: no receive (an empty one fails with EAGAIN, an exception every tick).
      // Never ask `readable` while a receive is pending: it reads ZeroMQ's edge-triggered
      // descriptor, and a pending receive whose edge was taken this way waits for the next
      // message or its timeout. That was the 2-25 ms stalls of np=2 collectives (measured:
      // an 8 B barrier 1.6 ms, 0.2 ms once the check skipped pending receives).
      if (this.#router.readable) void this.#read(false);
      return;
    }
    if (this.#active || !this.#blocking) {
      this.#idleTicks = 0;
      return;
    }
    if (++this.#idleTicks >= kIdleTicksBeforeRelease && !this.#wakeSent) this.#wake();
  }

  /** Ends the blocking receive with a message to this rank's own ROUTER, over inproc (no handshake, no copy to the kernel). */
  #wake(): void {
    if (this.#waker === undefined) {
      this.#waker = new Dealer({ routingId: String(this.#rank), linger: 0 });
      this.#waker.connect(this.#wakeEndpoint);
    }
    this.#wakeSent = true;
    this.#waker.send(kWake).catch(() => (this.#wakeSent = false));
  }

  send(peer: number, frames: Buffer[]): Promise<void> {
    if (this.#closed) return Promise.reject(new MpiError('ERR_TRANSPORT', `cannot send to rank ${peer}: the transport is closed`));
    const queue = this.#queues[peer] ?? this.#connect(peer);
    return queue.send(frames).catch((err: unknown) => {
      throw new MpiError('ERR_TRANSPORT', `sending to rank ${peer} failed: ${(err as Error).message}`, { cause: err, rank: peer });
    });
  }

  #connect(peer: number): SendQueue {
    const address = this.#endpoints[peer];
    if (address === undefined) throw new MpiError('ERR_INTERN', `no endpoint known for rank ${peer}`);
    const dealer = new Dealer({ routingId: String(this.#rank), linger: kLingerMs, ...this.#clientSecurity });
    dealer.connect(address);
    this.#dealers[peer] = dealer;
    const queue = new SendQueue(dealer);
    this.#queues[peer] = queue;
    return queue;
  }

  setActive(active: boolean): void {
    this.#active = active;
    if (active && !this.#reading && this.#handler !== undefined) void this.#read(true);
  }

  #setTimeout(ms: number): void {
    if (ms !== this.#timeout) this.#router.receiveTimeout = this.#timeout = ms;
  }

  /**
   * The one reader of the ROUTER. `block`: wait for messages until a wake-up finds the rank
   * idle; else take what is there now and stop (or go on blocking if the rank became active).
   */
  async #read(block: boolean): Promise<void> {
    if (this.#reading || this.#closed) return;
    this.#reading = true;
    this.#blocking = block;
    this.#idleTicks = 0;
    this.#setTimeout(block ? -1 : 0);
    try {
      while (!this.#closed) {
        let frames: Buffer[];
        try {
          frames = await this.#router.receive();
        } catch (err) {
          if (this.#closed) return;
          if (!isAgain(err)) throw err;
          if (!this.#active) return;
          this.#blocking = true;
          this.#setTimeout(-1);
          continue;
        }
        if (frames.length === 2 && frames[1].length === 0 && isFrom(frames[0], this.#rank)) {
          this.#wakeSent = false;
          if (!this.#active) return;
          continue;
        }
        this.#dispatch(frames);
      }
    } finally {
      this.#reading = false;
      this.#blocking = false;
    }
  }

  #dispatch(frames: Buffer[]): void {
    const peer = Number(frames[0].toString('latin1'));
    if (!Number.isInteger(peer) || peer < 0 || peer >= this.#size || frames.length < 2) {
      // A frame from something that is not a rank of this job: never let it reach matching.
      return;
    }
    this.#handler!(peer, frames[1], frames.slice(2));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#idleTimer);
    this.#zap?.close();
    this.#waker?.close();
    for (const d of this.#dealers) d?.close();
    this.#router.close();
  }
}
