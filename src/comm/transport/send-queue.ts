/**
 * zeromq.js allows one pending send per socket (a second concurrent send fails with EBUSY).
 * This queue is the one place that rule is kept: sends are issued one after another, each as
 * soon as the previous one has been accepted by ZeroMQ, and each caller's promise resolves when
 * its own message is queued. While ZeroMQ's high-water mark is reached the head send waits,
 * and so does everything behind it: backpressure, never a drop.
 */
export interface Sender {
  send(frames: Buffer[]): Promise<void>;
}

interface Waiting {
  frames: Buffer[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class SendQueue {
  readonly #socket: Sender;
  readonly #waiting: Waiting[] = [];
  #head = 0;
  #busy = false;

  constructor(socket: Sender) {
    this.#socket = socket;
  }

  get pending(): number {
    return this.#waiting.length - this.#head + (this.#busy ? 1 : 0);
  }

  /** zeromq.js throws some errors (EBUSY, a closed socket) instead of rejecting: make them rejections. */
  #issue(frames: Buffer[]): Promise<void> {
    try {
      return this.#socket.send(frames);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  send(frames: Buffer[]): Promise<void> {
    if (!this.#busy) {
      this.#busy = true;
      const sent = this.#issue(frames);
      sent.then(this.#next, this.#next);
      return sent;
    }
    return new Promise((resolve, reject) => this.#waiting.push({ frames, resolve, reject }));
  }

  readonly #next = (): void => {
    if (this.#head === this.#waiting.length) {
      this.#busy = false;
      this.#waiting.length = 0;
      this.#head = 0;
      return;
    }
    const item = this.#waiting[this.#head];
    this.#waiting[this.#head++] = undefined as unknown as Waiting;
    const sent = this.#issue(item.frames);
    sent.then(item.resolve, item.reject);
    sent.then(this.#next, this.#next);
  };
}
