/**
 * The start-up of a job as --stats prints it: when, after tsmpirun started, it began to spawn
 * the ranks, their Node processes started, tsmpi began connecting in them (its code loaded),
 * they said hello, the job formed, and their first collective call ended. Each rank figure is
 * the slowest rank's, as a job goes no faster than that.
 */
import type { HelloMessage } from '../../comm/bootstrap/protocol.js';

/** ms since 1970, sub-ms precision. */
const now = (): number => performance.timeOrigin + performance.now();

export class StartupTimes {
  /** tsmpirun's own process start. */
  readonly #launched = performance.timeOrigin;
  #spawned: number | undefined;
  #formed: number | undefined;
  #started = -Infinity;
  #loading = -Infinity;
  #hello = -Infinity;

  spawning(): void {
    this.#spawned ??= now();
  }

  hello(message: HelloMessage): void {
    this.#hello = Math.max(this.#hello, now());
    if (typeof message.started === 'number') this.#started = Math.max(this.#started, message.started);
    if (typeof message.loading === 'number') this.#loading = Math.max(this.#loading, message.loading);
  }

  formed(): void {
    this.#formed ??= now();
  }

  /**
   * One line, or none before the job formed. `firstCollective`: the end of the slowest
   * rank's first collective call, ms since 1970 (from the ranks' reports), if known.
   */
  line(firstCollective: number | undefined): string | undefined {
    if (this.#formed === undefined) return undefined;
    const at = (t: number | undefined): string | undefined => (t === undefined || !Number.isFinite(t) ? undefined : `${Math.round(t - this.#launched)}`);
    const parts = [
      ['spawning ranks', at(this.#spawned)],
      ['Node started', at(this.#started)],
      ['tsmpi loaded', at(this.#loading)],
      ['said hello', at(this.#hello)],
      ['job formed', at(this.#formed)],
      ['first collective done', at(firstCollective)],
    ].filter((p): p is [string, string] => p[1] !== undefined);
    return `start-up (ms after tsmpirun started, slowest rank): ${parts.map(([what, ms]) => `${what} ${ms}`).join(' → ')}`;
  }
}
