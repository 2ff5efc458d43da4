/**
 * The --stats table printed when a job ends: per rank, messages and bytes sent and received
 * (collectives' own messages included: what went over the wire), time waiting in tsmpi calls
 * against the rest (computing), then the slowest collective calls.
 */
import type { RankReport } from './collector.js';

/** How many of the slowest collective calls are listed. */
export const kSlowestCollectives = 5;

const kHeader = ['rank', 'msgs sent', 'msgs recv', 'bytes sent', 'bytes recv', 'comm ms', 'compute ms', 'comm %'];

const ms = (v: number): string => v.toFixed(1);

/** The table as lines (no trailing newline); `size` ranks, of which `reports` reported. */
export function formatStats(reports: readonly RankReport[], size: number): string[] {
  const byRank = new Map(reports.map((r) => [r.rank, r]));
  const rows: string[][] = [];
  const missing: number[] = [];
  for (let rank = 0; rank < size; rank++) {
    const r = byRank.get(rank);
    if (r === undefined) {
      missing.push(rank);
      continue;
    }
    const c = r.counters;
    const compute = Math.max(0, c.totalMs - c.waitMs);
    const share = c.totalMs > 0 ? (100 * c.waitMs) / c.totalMs : 0;
    rows.push([String(rank), String(c.msgsSent), String(c.msgsRecv), String(c.bytesSent), String(c.bytesRecv), ms(c.waitMs), ms(compute), share.toFixed(1)]);
  }
  const widths = kHeader.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const lines = ['communication statistics (comm = waiting in tsmpi calls, compute = the rest):', line(kHeader), ...rows.map(line)];
  if (missing.length > 0) lines.push(`no statistics from rank${missing.length === 1 ? '' : 's'} ${missing.join(',')} (stopped before reporting)`);
  const slowest = reports
    .flatMap((r) => r.spans.filter((s) => s.kind === 'coll').map((s) => ({ rank: r.rank, s })))
    .sort((a, b) => b.s.end - b.s.start - (a.s.end - a.s.start))
    .slice(0, kSlowestCollectives);
  if (slowest.length > 0) {
    lines.push('slowest collectives:');
    for (const { rank, s } of slowest) {
      const what = `${s.name}${s.call === undefined ? '' : ` #${s.call}`}${s.comm === undefined ? '' : ` on ${s.comm}`}`;
      lines.push(`  ${what}  rank ${rank}  ${(s.end - s.start).toFixed(3)} ms`);
    }
  }
  return lines;
}
