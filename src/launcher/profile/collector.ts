/**
 * Gathers the --trace/--stats reports of a job's ranks as their parts arrive over the control
 * channel. A rank is complete once its last part is here; one stopped while reporting keeps
 * what arrived (from its first part, which has its counters, on); one stopped before it could
 * report (SIGKILL) is missing.
 */
import type { DiagCounters, DiagMessage, DiagSpan } from '../../comm/bootstrap/protocol.js';

/** Everything one rank reported. */
export interface RankReport {
  rank: number;
  host: string;
  counters: DiagCounters;
  spans: DiagSpan[];
  /** Every part arrived. */
  complete: boolean;
}

interface Partial {
  host?: string;
  counters?: DiagCounters;
  spans: DiagSpan[];
  nextPart: number;
  complete: boolean;
}

export class ProfileCollector {
  readonly #ranks = new Map<number, Partial>();

  /** Takes one part; parts out of order or repeated (a rank that reported twice) are ignored. */
  receive(m: DiagMessage): void {
    let r = this.#ranks.get(m.rank);
    if (r === undefined) this.#ranks.set(m.rank, (r = { spans: [], nextPart: 0, complete: false }));
    if (r.complete || m.part !== r.nextPart) return;
    r.nextPart++;
    if (m.part === 0) {
      r.host = typeof m.host === 'string' ? m.host : '';
      r.counters = m.counters;
    }
    for (const s of m.spans) r.spans.push(s);
    if (m.last) r.complete = true;
  }

  /** The ranks that reported, whole or in part, by rank. */
  reports(): RankReport[] {
    return [...this.#ranks.entries()]
      .filter(([, r]) => r.counters !== undefined)
      .sort(([a], [b]) => a - b)
      .map(([rank, r]) => ({ rank, host: r.host ?? '', counters: r.counters!, spans: r.spans, complete: r.complete }));
  }
}
