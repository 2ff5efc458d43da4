/**
 * The rank side of the control plane: one ZeroMQ DEALER (routing id = the rank) connected to
 * the launcher's ROUTER at TSMPI_CONTROL. See protocol.ts for the messages.
 *
 * Event-loop contract: zeromq.js keeps the process alive while a receive() is pending, so a
 * receive is only pending while hello() waits for the directory or a report waits for its
 * acknowledgement. Afterwards nothing is pending and a rank exits naturally when its program
 * is done.
 *
 * Acknowledged reports: process.exit() does not terminate ZeroMQ's context, so frames still
 * queued at that moment are lost whatever the linger. A rank that reports a failure or an
 * abort is about to call process.exit(), so the launcher echoes each `failed`/`abort` frame
 * back once it has handled it, and reportFailure()/abort() wait (bounded) for that echo. Once
 * it arrives the launcher knows why the rank is exiting, whichever of the exit and the report
 * it would otherwise have seen first.
 */
import { Dealer } from 'zeromq';
import { isLaunched, parseRankEnv, type RankEnv } from './env.js';
import { clientOptions, readKeyFile, type JobKeys } from './keys.js';
import { decodeControl, encodeControl, type DiagMessage, type LauncherToRank, type RankToLauncher, type WaitInfo } from './protocol.js';

/** How long queued frames may delay a natural exit of a rank whose launcher is unreachable. */
export const kLingerMs = 1000;
/** How long reportFailure()/abort() wait for the launcher's acknowledgement. */
export const kReportWaitMs = 1000;
/** How long each part of a --trace/--stats report waits for its acknowledgement. */
export const kDiagWaitMs = 1000;

type Incoming = LauncherToRank | RankToLauncher;
interface Waiter {
  accept(message: Incoming): boolean;
  fail(error: Error): void;
}

// Process-wide, not module-wide: the launcher's preload and the program's `tsmpi` import may
// load this file from two installations, and two DEALERs with one routing id would make the
// launcher's ROUTER drop the second connection.
const kSingleton = Symbol.for('tsmpi.controlClient');
type Global = typeof globalThis & { [kSingleton]?: ControlClient };

/**
 * A rank's connection to its launcher. Get it with {@link controlClient}.
 *
 * ```ts
 * const { endpoints, hosts } = await controlClient()!.hello('ipc:///tmp/tsmpi-x/0', os.hostname());
 * ```
 */
export class ControlClient {
  readonly rank: number;
  readonly size: number;
  readonly #dealer: Dealer;
  // zeromq.js allows one send and one receive in flight per socket: sends queue up here, and
  // one receive pump serves every waiter.
  #sending: Promise<unknown> = Promise.resolve();
  #inFlight = 0;
  readonly #waiters = new Set<Waiter>();
  #pumping = false;
  #closed = false;

  /** `keys`: the job's CURVE keys (keys.ts); always given by tsmpirun ranks, absent only in tests. */
  constructor(env: RankEnv, keys?: JobKeys) {
    this.rank = env.rank;
    this.size = env.size;
    // The control plane is always CURVE, whatever TSMPI_ENCRYPTION says: a rank proves the job
    // secret before the launcher hears anything from it.
    const curve = keys === undefined ? {} : clientOptions(keys);
    this.#dealer = new Dealer({ routingId: String(env.rank), linger: kLingerMs, ...curve });
    this.#dealer.connect(env.control);
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Announces this rank's data-plane endpoints (space-separated) and host; resolves with every
   * rank's (index = rank) once all ranks of the job have said hello.
   */
  async hello(endpoint: string, host: string, timings: { started?: number; loading?: number } = {}): Promise<{ endpoints: string[]; hosts: string[] }> {
    let endpoints: string[] | undefined;
    let hosts: string[] | undefined;
    const strings = (a: unknown): a is string[] => Array.isArray(a) && a.every((e) => typeof e === 'string');
    const directory = this.#waitFor((m) => {
      if (m.type !== 'directory' || !strings(m.endpoints) || !strings(m.hosts)) return false;
      endpoints = m.endpoints;
      hosts = m.hosts;
      return true;
    });
    await Promise.all([this.#send({ type: 'hello', rank: this.rank, pid: process.pid, host, endpoint, ...timings }), directory]);
    return { endpoints: endpoints ?? [], hosts: hosts ?? [] };
  }

  /**
   * Tells the launcher this rank is failing with an uncaught error, and waits (at most
   * kReportWaitMs) until the launcher has it. Best effort; closes the client, as the rank is
   * about to exit.
   */
  async reportFailure(reason: 'exception' | 'rejection', stack: string): Promise<void> {
    await this.#acknowledged({ type: 'failed', rank: this.rank, reason, stack });
  }

  /** Tells the launcher this rank called abort(code); like {@link reportFailure}, bounded, then closes. */
  async abort(code: number): Promise<void> {
    await this.#acknowledged({ type: 'abort', rank: this.rank, code });
  }

  /**
   * Answers the launcher's request for a hang report. Nothing is acknowledged and no receive
   * is left pending: an answer that is lost only shows as a rank that did not answer.
   */
  reportWaits(waits: WaitInfo[]): Promise<void> {
    return this.#send({ type: 'waits', rank: this.rank, waits });
  }

  /**
   * Sends a --trace/--stats report, part after part, each once the launcher acknowledged the
   * one before (so a large trace never floods the launcher's queue). A part not acknowledged
   * within kDiagWaitMs ends it: a broken launcher never holds the rank. True if every part
   * was acknowledged.
   */
  async reportDiagnostics(parts: readonly Omit<DiagMessage, 'type' | 'rank'>[]): Promise<boolean> {
    for (const part of parts) {
      const acked = (m: Incoming): boolean => m.type === 'diag-ack' && m.rank === this.rank && m.part === part.part;
      if (!(await this.#answered({ type: 'diag', rank: this.rank, ...part }, acked, kDiagWaitMs))) {
        // Ends the receive still pending for the lost acknowledgement.
        this.close();
        return false;
      }
    }
    return true;
  }

  /** Closes the socket; a pending hello() rejects. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const closed = new Error('the control connection was closed');
    for (const waiter of this.#waiters) waiter.fail(closed);
    this.#waiters.clear();
    this.#dealer.close();
    const global = globalThis as Global;
    if (global[kSingleton] === this) delete global[kSingleton];
  }

  #send(message: RankToLauncher): Promise<void> {
    const frame = encodeControl(message);
    const start = async (): Promise<void> => {
      if (this.#closed) throw new Error('the control connection is closed');
      await this.#dealer.send(frame);
    };
    // With nothing in flight, send() is called right now: zeromq.js queues the frame before
    // returning, so a caller that calls process.exit() next (abort) has at least handed it to
    // ZeroMQ's I/O thread, instead of leaving it in a promise that never runs.
    const sent = this.#inFlight === 0 ? start() : this.#sending.then(start);
    this.#inFlight++;
    const settled = sent.finally(() => {
      this.#inFlight--;
    });
    this.#sending = settled.catch(() => undefined);
    return settled;
  }

  /** Resolves when a received message satisfies `accept`; rejects if the client is closed first. */
  #waitFor(accept: (message: Incoming) => boolean): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the control connection was closed'));
    return new Promise((resolve, reject) => {
      this.#waiters.add({ accept: (m) => (accept(m) ? (resolve(), true) : false), fail: reject });
      void this.#pump();
    });
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#waiters.size > 0 && !this.#closed) {
        const [frame] = await this.#dealer.receive();
        const message = frame === undefined ? undefined : decodeControl(frame);
        if (message === undefined) continue;
        for (const waiter of this.#waiters) if (waiter.accept(message)) this.#waiters.delete(waiter);
      }
    } catch {
      // Only close() interrupts a receive.
    } finally {
      this.#pumping = false;
    }
  }

  async #acknowledged(message: Extract<RankToLauncher, { type: 'failed' | 'abort' }>): Promise<void> {
    try {
      await this.#answered(message, (m) => m.type === message.type && 'rank' in m && m.rank === this.rank, kReportWaitMs);
    } finally {
      // Ends the pending receive, so nothing keeps the process alive.
      this.close();
    }
  }

  /** Sends `message` and waits at most `ms` for a message that `accept`s; true if it came. */
  async #answered(message: RankToLauncher, accept: (m: Incoming) => boolean, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const answer = this.#waitFor(accept);
    // Settled by close() at the latest; it must never surface as an unhandled rejection.
    answer.catch(() => undefined);
    try {
      return await Promise.race([
        this.#send(message)
          .then(() => answer)
          .then(
            () => true,
            () => false,
          ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The process's control client, created on first use from the launcher's environment;
 * `undefined` when the process was not started by tsmpirun. Throws a RangeError naming the
 * variable when the launcher's environment is malformed.
 */
export function controlClient(): ControlClient | undefined {
  if (!isLaunched()) return undefined;
  const global = globalThis as Global;
  const existing = global[kSingleton];
  if (existing !== undefined && !existing.closed) return existing;
  const env = parseRankEnv();
  const client = new ControlClient(env, readKeyFile(env.keys!));
  global[kSingleton] = client;
  return client;
}
