/**
 * The hang report: for every rank, what it is waiting on right now (`tsmpirun --timeout`, or
 * SIGUSR1 to tsmpirun). The launcher sends SIGUSR2 to each running rank; the rank's preload
 * answers over the control plane with its pending tsmpi calls (a `waits` message). Answers are
 * collected for a short, bounded time; ranks waiting on the same thing are grouped:
 *
 *   tsmpirun: ranks 0,2,3 in allreduce #17 on COMM_WORLD for 5.0 s at solve.ts:88
 *   tsmpirun: rank 1 in recv(source=0, tag=5) on COMM_WORLD for 5.0 s at io.ts:12
 *
 * A rank busy in synchronous code cannot run the handler, so no answer means "not in a tsmpi
 * call" for a rank that joined the job. Only ranks known to handle SIGUSR2 are signalled
 * (Linux: SigCgt in /proc/<pid>/status; elsewhere: ranks that joined), since the signal's
 * default action would kill a rank whose preload has not run yet. Formatting is pure.
 */
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { processEnded } from './process-group.js';
import type { WaitArg, WaitInfo, WaitsMessage } from '../comm/bootstrap/protocol.js';
import { kWaitsSignal } from '../comm/bootstrap/rank-globals.js';
import { describeCall } from '../comm/bootstrap/wait-text.js';

/** How long the launcher waits for the ranks' answers. */
export const kWaitsWindowMs = 1000;
/** The signal that asks a rank (see rank-preload.ts); defined with the rank's side of it. */
export { kWaitsSignal };
const kSignalNumber = constants.signals[kWaitsSignal];
/** A rank's line lists at most this many of its pending calls. */
const kWaitsPerLine = 3;

/** What one rank was found doing. */
export type RankState =
  | { rank: number; kind: 'waiting'; waits: WaitInfo[] }
  | { rank: number; kind: 'idle' }
  | { rank: number; kind: 'busy' }
  | { rank: number; kind: 'not-joined' }
  | { rank: number; kind: 'finished' };

/** `0,2,3` or, for runs of three or more, `0-5,7`. */
export function formatRanks(ranks: readonly number[]): string {
  const sorted = [...ranks].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    if (j - i >= 2) parts.push(`${sorted[i]}-${sorted[j]}`);
    else for (let k = i; k <= j; k++) parts.push(String(sorted[k]));
    i = j + 1;
  }
  return parts.join(',');
}

export { describeCall };

/** One wait without its duration: what groups ranks together. */
const whatOf = (w: WaitInfo): string => `${describeCall(w)} on ${w.comm}`;
const whereOf = (w: WaitInfo): string => (w.site === undefined ? '' : ` at ${w.site}`);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The report's lines (without the `tsmpirun: ` prefix), one per group, by lowest rank. */
export function formatHangReport(states: readonly RankState[]): string[] {
  const groups = new Map<string, { ranks: number[]; states: RankState[] }>();
  for (const s of states) {
    const key =
      s.kind === 'waiting'
        ? `waiting:${s.waits
            .slice(0, kWaitsPerLine)
            .map((w) => whatOf(w) + whereOf(w))
            .join('\n')}:${s.waits.length}`
        : s.kind;
    const group = groups.get(key) ?? { ranks: [], states: [] };
    group.ranks.push(s.rank);
    group.states.push(s);
    groups.set(key, group);
  }
  return [...groups.values()]
    .sort((a, b) => Math.min(...a.ranks) - Math.min(...b.ranks))
    .map(({ ranks, states: members }) => {
      const many = ranks.length > 1;
      const who = `${many ? 'ranks' : 'rank'} ${formatRanks(ranks)}`;
      const first = members[0];
      switch (first.kind) {
        case 'idle':
          return `${who} ${many ? 'are' : 'is'} not in a tsmpi call`;
        case 'busy':
          return `${who} ${many ? 'are' : 'is'} not in a tsmpi call (busy: no answer within ${seconds(kWaitsWindowMs)})`;
        case 'not-joined':
          return `${who} ${many ? 'have' : 'has'} not joined the job yet`;
        case 'finished':
          return `${who} ${many ? 'have' : 'has'} finished`;
        case 'waiting':
          return `${who} in ${waitsText(members as Extract<RankState, { kind: 'waiting' }>[])}`;
      }
    });
}

/** The calls of a group of ranks: each with the longest time any of them has waited on it. */
function waitsText(members: readonly Extract<RankState, { kind: 'waiting' }>[]): string {
  const waits = members[0].waits;
  const shown = waits.slice(0, kWaitsPerLine).map((w, i) => {
    const ms = Math.max(...members.map((m) => m.waits[i].ageMs));
    return `${whatOf(w)} for ${seconds(ms)}${whereOf(w)}`;
  });
  const more = waits.length - shown.length;
  return shown.join(', and in ') + (more > 0 ? `, and ${more} more` : '');
}

/** A rank's answer, keeping only well-formed fields (the frame comes from outside). */
export function sanitizeWaits(message: WaitsMessage): WaitInfo[] {
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v.slice(0, 200) : undefined);
  const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
  return message.waits.flatMap((w: Partial<WaitInfo> | null): WaitInfo[] => {
    const op = text(w?.op);
    const comm = text(w?.comm);
    if (w === null || typeof w !== 'object' || op === undefined || comm === undefined) return [];
    const args = Array.isArray(w.args)
      ? w.args.flatMap((a): WaitArg[] => {
          const name = text(Array.isArray(a) ? a[0] : undefined);
          const value: unknown = Array.isArray(a) ? a[1] : undefined;
          return name !== undefined && (value === 'any' || Number.isInteger(value)) ? [[name, value as number | 'any']] : [];
        })
      : [];
    const call = count(w.call);
    const site = text(w.site);
    return [{ op, comm, args, ageMs: count(w.ageMs) ?? 0, ...(call === undefined ? {} : { call }), ...(site === undefined ? {} : { site }) }];
  });
}

/** Whether process `pid` has a handler for SIGUSR2; undefined where /proc cannot tell. */
function handlesWaitsSignal(pid: number): boolean | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const caught = /^SigCgt:\s*([0-9a-f]+)$/im.exec(status);
    if (caught === null) return undefined;
    return (BigInt(`0x${caught[1]}`) & (1n << BigInt(kSignalNumber - 1))) !== 0n;
  } catch {
    return undefined;
  }
}

/** A rank as the collector sees it. */
export interface ReportedRank {
  rank: number;
  pid: number | undefined;
  alive: boolean;
  joined: boolean;
  /** How to ask a rank on another host (through its agent); local ranks are signalled by pid. */
  ask?: () => void;
}

/**
 * Collects the ranks' answers. Give every `waits` message of the control plane to
 * {@link receive}; {@link collect} asks the ranks and resolves with their states once every
 * asked rank answered or {@link kWaitsWindowMs} passed. Concurrent collects share one round.
 */
export class HangReporter {
  readonly #answers = new Map<number, WaitInfo[]>();
  #round: Promise<RankState[]> | undefined;
  #onAnswer: (() => void) | undefined;
  readonly #windowMs: number;

  constructor(windowMs = kWaitsWindowMs) {
    this.#windowMs = windowMs;
  }

  receive(message: WaitsMessage): void {
    this.#answers.set(message.rank, sanitizeWaits(message));
    this.#onAnswer?.();
  }

  collect(ranks: () => readonly ReportedRank[]): Promise<RankState[]> {
    this.#round ??= this.#collect(ranks).finally(() => {
      this.#round = undefined;
    });
    return this.#round;
  }

  async #collect(ranks: () => readonly ReportedRank[]): Promise<RankState[]> {
    this.#answers.clear();
    const asked = new Set<number>();
    for (const r of ranks()) {
      if (r.ask !== undefined) {
        if (r.alive && r.joined) {
          r.ask();
          asked.add(r.rank);
        }
        continue;
      }
      if (!r.alive || r.pid === undefined || !(handlesWaitsSignal(r.pid) ?? r.joined)) continue;
      try {
        process.kill(r.pid, kWaitsSignal);
        asked.add(r.rank);
      } catch {
        // Gone meanwhile.
      }
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.#windowMs);
      this.#onAnswer = () => {
        if ([...asked].every((rank) => this.#answers.has(rank))) {
          clearTimeout(timer);
          resolve();
        }
      };
      this.#onAnswer();
    });
    this.#onAnswer = undefined;
    return ranks().map((r): RankState => {
      const waits = this.#answers.get(r.rank);
      if (waits !== undefined) return waits.length > 0 ? { rank: r.rank, kind: 'waiting', waits } : { rank: r.rank, kind: 'idle' };
      // A dead rank the launcher has not reaped yet (a loaded machine) has finished too.
      if (!r.alive || (r.ask === undefined && r.pid !== undefined && processEnded(r.pid))) return { rank: r.rank, kind: 'finished' };
      return { rank: r.rank, kind: r.joined ? 'busy' : 'not-joined' };
    });
  }
}
