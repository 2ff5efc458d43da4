/**
 * ZeroMQ's authentication protocol (ZAP, RFC 27) for a rank's PLAIN data socket: without a
 * handler libzmq lets every PLAIN client in, so this one checks the job's password and refuses
 * the rest. Used when the data plane is not encrypted (TSMPI_ENCRYPTION=off, single host):
 * connections still prove the job secret, at no cost per message.
 *
 * Requests come only while a peer connects, so they are answered from the transport's idle
 * timer (no receive stays pending: zeromq.js would keep the process alive for it). CURVE
 * handshakes in the same process (task 0 of a direct srun step serves the CURVE control plane)
 * are let through: knowing the CURVE server key is their proof (comm/bootstrap/keys.ts).
 */
import { Router } from 'zeromq';

const kEndpoint = 'inproc://zeromq.zap.01';
export const kPlainUser = 'tsmpi';

export class ZapAuthenticator {
  readonly #router: Router;
  readonly #password: string;
  #draining = false;

  private constructor(router: Router, password: string) {
    this.#router = router;
    this.#password = password;
  }

  /** Binds the process's ZAP endpoint (one per process: a second bind fails with EADDRINUSE). */
  static async start(password: string): Promise<ZapAuthenticator> {
    const router = new Router({ linger: 0, receiveTimeout: 0 });
    await router.bind(kEndpoint);
    return new ZapAuthenticator(router, password);
  }

  /** Answers every request waiting now; never waits for one. */
  async drain(): Promise<void> {
    if (this.#draining || this.#router.closed) return;
    this.#draining = true;
    try {
      // `readable` first: an empty receive would fail with EAGAIN, an exception every tick.
      while (!this.#router.closed && this.#router.readable) {
        let frames: Buffer[];
        try {
          frames = await this.#router.receive();
        } catch {
          return; // EAGAIN: nothing waiting (or closed)
        }
        await this.#router.send(this.#reply(frames));
      }
    } finally {
      this.#draining = false;
    }
  }

  #reply(frames: Buffer[]): Buffer[] {
    // [peer id, "", "1.0", request id, domain, address, identity, mechanism, credentials...]
    const [peer, , version, requestId, , , , mechanism, user, password] = frames;
    const answer = (code: string, text: string): Buffer[] => [
      peer,
      Buffer.alloc(0),
      Buffer.from('1.0'),
      requestId ?? Buffer.alloc(0),
      Buffer.from(code),
      Buffer.from(text),
      Buffer.alloc(0),
      Buffer.alloc(0),
    ];
    if (version?.toString() !== '1.0') return answer('400', 'unsupported ZAP version');
    const kind = mechanism?.toString();
    if (kind === 'CURVE') return answer('200', 'OK');
    if (kind === 'PLAIN' && user?.toString() === kPlainUser && password?.toString() === this.#password) return answer('200', 'OK');
    return answer('400', 'not a member of this job');
  }

  close(): void {
    if (!this.#router.closed) this.#router.close();
  }
}
