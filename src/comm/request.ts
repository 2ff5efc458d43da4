/**
 * A nonblocking operation in flight, as returned by `isend` and `irecv`. It is awaitable
 * (`await req` is `await req.wait()`), can be polled with `test()`, and may be waited on again
 * for the same value.
 */
import { observeCall, recording } from './diagnostics/recorder.js';
import { kCompletion } from './completion.js';
import { fillStatus, type Received, type Status } from './status.js';

type State<T> = { kind: 'pending' } | { kind: 'done'; result: Received<T> } | { kind: 'failed'; error: unknown };

/**
 * A nonblocking operation in flight (`isend`, `irecv`, `ibcast`, ...): `await req` (or
 * `req.wait()`) for its value, `req.test()` to poll; {@link waitall} and {@link waitany} wait
 * on several.
 *
 * ```ts
 * const req = comm.irecv(0, 7);
 * doOtherWork();
 * const value = await req;
 * ```
 */
export class Request<T = unknown> implements PromiseLike<T> {
  readonly #settled: Promise<Received<T>>;
  #state: State<T> = { kind: 'pending' };

  /** @internal Built by `isend`/`irecv`; users do not construct requests. */
  constructor(operation: Promise<Received<T>>) {
    this.#settled = operation.then(
      (result) => {
        this.#state = { kind: 'done', result };
        return result;
      },
      (error: unknown) => {
        this.#state = { kind: 'failed', error };
        throw error;
      },
    );
    // The failure is reported by wait()/test(); a request nobody waits on must not crash the rank.
    this.#settled.catch(() => {});
  }

  /** @internal */
  get [kCompletion](): Promise<Received<T>> {
    return this.#settled;
  }

  /** Resolves with the value (undefined for a send) and fills `status` for a receive. */
  async wait(status?: Status): Promise<T> {
    if (recording) observeCall('wait', 'wait', performance.now(), this.#settled, true);
    const result = await this.#settled;
    fillStatus(status, result);
    return result.value;
  }

  /**
   * `[true, value]` once complete, `[false, undefined]` before. Sees only what has already
   * happened, so a polling loop must `await` between calls.
   */
  test(status?: Status): [boolean, T | undefined] {
    const s = this.#state;
    if (s.kind === 'pending') return [false, undefined];
    if (s.kind === 'failed') throw s.error;
    fillStatus(status, s.result);
    return [true, s.result.value];
  }

  /** Whether it has completed (succeeded or failed), without waiting. */
  get completed(): boolean {
    return this.#state.kind !== 'pending';
  }

  then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.wait().then(onFulfilled, onRejected);
  }
}

/**
 * Waits for every request; resolves to their values in request order (mpi4py `Request.waitall`).
 *
 * ```ts
 * const reqs = [comm.irecv(0), comm.irecv(1)];
 * const [a, b] = await waitall(reqs);
 * ```
 */
export function waitall<T>(requests: readonly Request<T>[], statuses?: Status[]): Promise<T[]> {
  return Promise.all(requests.map((r, i) => r.wait(statuses?.[i])));
}

/**
 * Resolves to `[index, value]` of the first request to complete: the lowest index among those
 * already complete.
 */
export async function waitany<T>(requests: readonly Request<T>[], status?: Status): Promise<[number, T]> {
  if (requests.length === 0) throw new RangeError('waitany: requests must not be empty');
  let index = requests.findIndex((r) => r.completed);
  if (index < 0) {
    // Any settled request ends the wait; then the lowest completed index wins, as in MPI.
    await Promise.race(
      requests.map((r) =>
        r.wait().then(
          () => undefined,
          () => undefined,
        ),
      ),
    );
    index = requests.findIndex((r) => r.completed);
  }
  return [index, await requests[index].wait(status)];
}
