/**
 * The launcher's side of the control plane: one ZeroMQ ROUTER. It collects `hello` from every
 * rank, then sends each the `directory` of endpoints (index = rank), and passes `failed` and
 * `abort` reports to the supervisor, echoing each back to its rank as an acknowledgement.
 * A frame that does not decode, or whose `rank` differs from the routing id it came with, is
 * ignored: a stray or malicious peer cannot crash the launcher or speak for another rank.
 */
import { curveKeyPair, Router } from 'zeromq';
import type { CurveServerOptions, JobKeys } from '../comm/bootstrap/keys.js';
import {
  decodeControl,
  encodeControl,
  type AbortMessage,
  type FailedMessage,
  type HelloMessage,
  type RankToLauncher,
  type WaitsMessage,
  type DiagMessage,
} from '../comm/bootstrap/protocol.js';

/** Fresh CURVE keys for one job (the job secret, see comm/bootstrap/keys.ts). */
export function newJobKeys(encryption: JobKeys['encryption']): JobKeys {
  const server = curveKeyPair();
  const client = curveKeyPair();
  return {
    encryption,
    serverPublicKey: server.publicKey,
    serverSecretKey: server.secretKey,
    clientPublicKey: client.publicKey,
    clientSecretKey: client.secretKey,
  };
}

/** Callbacks for the control messages, each called with a validated message. */
export interface ControlHandlers {
  hello?(message: HelloMessage): void;
  failed?(message: FailedMessage): void;
  abort?(message: AbortMessage): void;
  /** A rank's answer to a hang-report request: what its program is waiting on. */
  waits?(message: WaitsMessage): void;
  /** A part of a rank's --trace/--stats report; acknowledged once handled. */
  diag?(message: DiagMessage): void;
  /** Every rank has said hello; the directory is on its way. */
  formed?(endpoints: string[]): void;
}

/**
 * Binds the control ROUTER of a job of `size` ranks.
 *
 * ```ts
 * const server = await RendezvousServer.bind('ipc:///tmp/tsmpi-x/control', 4, { failed: (m) => console.log(m.stack) });
 * ```
 */
export class RendezvousServer {
  readonly endpoint: string;
  readonly #router: Router;
  readonly #size: number;
  readonly #handlers: ControlHandlers;
  readonly #endpoints = new Map<number, string>();
  readonly #hosts = new Map<number, string>();
  #directory: string[] | undefined;
  // zeromq.js allows one send in flight per socket.
  #sending: Promise<unknown> = Promise.resolve();

  private constructor(router: Router, endpoint: string, size: number, handlers: ControlHandlers) {
    this.#router = router;
    this.endpoint = endpoint;
    this.#size = size;
    this.#handlers = handlers;
  }

  /**
   * Binds `endpoint` and starts receiving; rejects if the endpoint cannot be bound. With
   * `curve` (tsmpirun always gives it), a peer that does not know the job's keys fails the
   * handshake and none of its frames reach this loop.
   */
  static async bind(endpoint: string, size: number, handlers: ControlHandlers, curve?: CurveServerOptions, lingerMs = 0): Promise<RendezvousServer> {
    // handover: a rank that reconnects (its client was closed and re-created, e.g. to report
    // a failure after finalize) replaces its old connection instead of being refused.
    const router = new Router({ linger: lingerMs, handover: true, ...curve });
    try {
      await router.bind(endpoint);
    } catch (error) {
      router.close();
      throw error;
    }
    const server = new RendezvousServer(router, endpoint, size, handlers);
    void server.#receiveLoop();
    return server;
  }

  /**
   * Binds one more endpoint (tcp for ranks on other hosts: `tcp://10.0.0.1:*`) and gives it
   * with the port chosen.
   */
  async bindAlso(endpoint: string): Promise<string> {
    await this.#router.bind(endpoint);
    return this.#router.lastEndpoint ?? endpoint;
  }

  /** Whether `rank` has said hello. */
  hasJoined(rank: number): boolean {
    return this.#endpoints.has(rank);
  }

  /** How many ranks have said hello. */
  get joinedCount(): number {
    return this.#endpoints.size;
  }

  /** Resolves once every frame sent so far has been handed to ZeroMQ. */
  async flush(): Promise<void> {
    let last: Promise<unknown>;
    do {
      last = this.#sending;
      await last;
    } while (last !== this.#sending);
  }

  /** Stops receiving and closes the socket; undelivered frames are dropped (or sent within the linger given to bind). */
  close(): void {
    if (!this.#router.closed) this.#router.close();
  }

  async #receiveLoop(): Promise<void> {
    try {
      for await (const [id, frame] of this.#router) {
        if (frame === undefined) continue;
        const message = decodeControl(frame);
        if (message === undefined || message.type === 'directory' || message.type === 'diag-ack') continue;
        if (!this.#fromItsRank(id.toString(), message)) continue;
        this.#dispatch(message);
      }
    } catch {
      // Only close() ends the loop; a receive error after close is expected.
    }
  }

  #fromItsRank(id: string, message: RankToLauncher): boolean {
    const { rank } = message;
    return Number.isInteger(rank) && rank >= 0 && rank < this.#size && String(rank) === id;
  }

  #dispatch(message: RankToLauncher): void {
    switch (message.type) {
      case 'hello':
        if (typeof message.endpoint !== 'string' || typeof message.host !== 'string' || !Number.isInteger(message.pid)) return;
        this.#onHello(message);
        return;
      case 'failed':
        if ((message.reason !== 'exception' && message.reason !== 'rejection') || typeof message.stack !== 'string') return;
        this.#handlers.failed?.(message);
        this.#acknowledge(message);
        return;
      case 'abort':
        if (!Number.isInteger(message.code)) return;
        this.#handlers.abort?.(message);
        this.#acknowledge(message);
        return;
      case 'waits':
        if (!Array.isArray(message.waits)) return;
        this.#handlers.waits?.(message);
        return;
      case 'diag':
        if (!Number.isInteger(message.part) || !Array.isArray(message.spans)) return;
        this.#handlers.diag?.(message);
        this.#sendTo(message.rank, encodeControl({ type: 'diag-ack', rank: message.rank, part: message.part }));
        return;
    }
  }

  /**
   * Echoes a handled `failed`/`abort` back to its rank. The rank exits with process.exit()
   * right after reporting, which drops frames ZeroMQ has not sent yet; it waits for this echo
   * so the report is known to be handled before the exit can be seen.
   */
  #acknowledge(message: FailedMessage | AbortMessage): void {
    this.#sendTo(message.rank, encodeControl(message));
  }

  #sendTo(rank: number, frame: Buffer): void {
    this.#sending = this.#sending.then(() => this.#router.send([String(rank), frame])).catch(() => undefined);
  }

  #onHello(message: HelloMessage): void {
    if (this.#directory !== undefined) {
      // A rank that reconnected after the job formed gets the directory again.
      this.#sendDirectory([message.rank]);
      return;
    }
    this.#endpoints.set(message.rank, message.endpoint);
    this.#hosts.set(message.rank, message.host);
    this.#handlers.hello?.(message);
    if (this.#endpoints.size < this.#size) return;
    this.#directory = Array.from({ length: this.#size }, (_, rank) => this.#endpoints.get(rank) ?? '');
    this.#handlers.formed?.(this.#directory);
    this.#sendDirectory(this.#directory.map((_, rank) => rank));
  }

  #sendDirectory(ranks: number[]): void {
    const hosts = Array.from({ length: this.#size }, (_, rank) => this.#hosts.get(rank) ?? '');
    const frame = encodeControl({ type: 'directory', endpoints: this.#directory ?? [], hosts });
    for (const rank of ranks) this.#sendTo(rank, frame);
  }
}
