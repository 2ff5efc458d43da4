/** The launcher's --trace/--stats logic: collecting parts, packing spans on tracks, the trace events, the table. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { kDefaultLaunchOptions } from '../../../src/launcher/args.js';
import { JobProfile } from '../../../src/launcher/profile/job-profile.js';
import type { DiagCounters, DiagSpan } from '../../../src/comm/bootstrap/protocol.js';
import { ProfileCollector, type RankReport } from '../../../src/launcher/profile/collector.js';
import { formatStats } from '../../../src/launcher/profile/stats.js';
import { assignLanes, buildTrace } from '../../../src/launcher/profile/trace-events.js';
import { testDirPrefix } from '../../helpers/run-tag.js';

const counters = (over: Partial<DiagCounters> = {}): DiagCounters => ({
  msgsSent: 0,
  msgsRecv: 0,
  bytesSent: 0,
  bytesRecv: 0,
  waitMs: 0,
  totalMs: 0,
  droppedSpans: 0,
  ...over,
});
const s = (start: number, end: number, over: Partial<DiagSpan> = {}): DiagSpan => ({ kind: 'wait', name: 'wait', start, end, ...over });

describe('ProfileCollector', () => {
  it('completes a rank with its last part, keeps what arrived of the others; parts out of order and repeats are ignored', () => {
    const c = new ProfileCollector();
    c.receive({ type: 'diag', rank: 1, part: 0, last: false, host: 'h', counters: counters({ msgsSent: 3 }), spans: [s(0, 1)] });
    c.receive({ type: 'diag', rank: 1, part: 2, last: true, spans: [s(9, 9)] });
    c.receive({ type: 'diag', rank: 2, part: 1, last: true, spans: [s(9, 9)] });
    c.receive({ type: 'diag', rank: 0, part: 0, last: false, host: 'g', counters: counters(), spans: [] });
    expect(c.reports()).toEqual([
      { rank: 0, host: 'g', counters: counters(), spans: [], complete: false },
      { rank: 1, host: 'h', counters: counters({ msgsSent: 3 }), spans: [s(0, 1)], complete: false },
    ]);
    c.receive({ type: 'diag', rank: 1, part: 1, last: true, spans: [s(1, 2)] });
    c.receive({ type: 'diag', rank: 1, part: 0, last: true, host: 'x', counters: counters(), spans: [s(5, 6)] });
    expect(c.reports()[1]).toEqual({ rank: 1, host: 'h', counters: counters({ msgsSent: 3 }), spans: [s(0, 1), s(1, 2)], complete: true });
  });
});

describe('assignLanes', () => {
  it('keeps every track properly nested and uses as few as that needs', () => {
    const spans = [s(0, 10), s(1, 3), s(2, 5), s(4, 6), s(6, 8), s(10, 12), s(3, 3), s(4.5, 7)];
    const lanes = assignLanes(spans);
    expect(lanes).toEqual([0, 0, 1, 0, 0, 0, 0, 2]);
    for (let a = 0; a < spans.length; a++) {
      for (let b = 0; b < spans.length; b++) {
        if (a === b || lanes[a] !== lanes[b]) continue;
        const [x, y] = [spans[a], spans[b]];
        const disjoint = x.end <= y.start || y.end <= x.start;
        const nested = (x.start <= y.start && y.end <= x.end) || (y.start <= x.start && x.end <= y.end);
        expect(disjoint || nested, `${JSON.stringify(x)} and ${JSON.stringify(y)} on one track`).toBe(true);
      }
    }
  });
});

describe('buildTrace', () => {
  const reports: RankReport[] = [
    {
      rank: 0,
      host: 'a',
      complete: true,
      counters: counters(),
      spans: [
        s(1, 4, { kind: 'coll', name: 'allreduce', comm: 'COMM_WORLD', call: 1 }),
        s(1, 2, { kind: 'send', name: 'send', peer: 1, tag: 1, bytes: 8, seq: 0 }),
        s(1.5, 1.75, { kind: 'send', name: 'send', peer: 2, tag: 1, bytes: 8, seq: 0 }),
      ],
    },
    { rank: 1, host: 'b', complete: true, counters: counters(), spans: [s(0.5, 2.5, { kind: 'recv', name: 'recv', peer: 0, tag: 1, bytes: 8, seq: 0 })] },
  ];
  const { traceEvents, displayTimeUnit } = buildTrace(reports);

  it('names a process per rank with its host, and gives every span as a complete event in µs', () => {
    expect(displayTimeUnit).toBe('ms');
    expect(traceEvents.filter((e) => e.name === 'process_name').map((e) => [e.pid, e.args])).toEqual([
      [0, { name: 'rank 0' }],
      [1, { name: 'rank 1' }],
    ]);
    expect(traceEvents.filter((e) => e.name === 'process_labels').map((e) => e.args)).toEqual([{ labels: 'a' }, { labels: 'b' }]);
    const x = traceEvents.filter((e) => e.ph === 'X');
    expect(x.map((e) => [e.pid, e.tid, e.name, e.cat, e.ts, e.dur])).toEqual([
      [0, 0, 'allreduce', 'collective', 1000, 3000],
      [0, 0, 'send', 'message', 1000, 1000],
      [0, 0, 'send', 'message', 1500, 250],
      [1, 0, 'recv', 'message', 500, 2000],
    ]);
    expect(x[1].args).toEqual({ peer: 1, tag: 1, bytes: 8, seq: 0 });
    expect(x[0].args).toEqual({ comm: 'COMM_WORLD', call: 1 });
  });

  it('draws a flow from a send to its receive only; a send whose receiver did not report has none', () => {
    const flows = traceEvents.filter((e) => e.ph === 's' || e.ph === 'f');
    expect(flows).toEqual([
      { name: 'message', cat: 'flow', ph: 's', id: 1, ts: 1000, pid: 0, tid: 0 },
      { name: 'message', cat: 'flow', ph: 'f', bp: 'e', id: 1, ts: 2500, pid: 1, tid: 0 },
    ]);
  });
});

describe('formatStats', () => {
  it('a row per rank, ranks without a report named, the slowest collectives listed', () => {
    const reports: RankReport[] = [
      {
        rank: 0,
        host: 'a',
        complete: true,
        counters: counters({ msgsSent: 12, msgsRecv: 3, bytesSent: 1024, bytesRecv: 96, waitMs: 25, totalMs: 100 }),
        spans: [s(0, 7.5, { kind: 'coll', name: 'bcast', comm: 'COMM_WORLD', call: 1 }), s(0, 50, { kind: 'send', name: 'send' })],
      },
      {
        rank: 2,
        host: 'a',
        complete: true,
        counters: counters({ msgsSent: 1, totalMs: 10 }),
        spans: [s(1, 2, { kind: 'coll', name: 'barrier', comm: 'COMM_WORLD', call: 2 })],
      },
    ];
    expect(formatStats(reports, 3)).toEqual([
      'communication statistics (comm = waiting in tsmpi calls, compute = the rest):',
      'rank  msgs sent  msgs recv  bytes sent  bytes recv  comm ms  compute ms  comm %',
      '0            12          3        1024          96     25.0        75.0    25.0',
      '2             1          0           0           0      0.0        10.0     0.0',
      'no statistics from rank 1 (stopped before reporting)',
      'slowest collectives:',
      '  bcast #1 on COMM_WORLD  rank 0  7.500 ms',
      '  barrier #2 on COMM_WORLD  rank 2  1.000 ms',
    ]);
  });
});

describe('JobProfile', () => {
  it('says which ranks reported only part of their trace, and which kept only their first spans', async () => {
    const dir = await mkdtemp(testDirPrefix('profile'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'trace.json');
    const profile = JobProfile.of({ ...kDefaultLaunchOptions, trace: file }, dir)!;
    await profile.prepare();
    profile.receive({ type: 'diag', rank: 0, part: 0, last: true, host: 'h', counters: counters({ droppedSpans: 7 }), spans: [s(0, 1)] });
    profile.receive({ type: 'diag', rank: 1, part: 0, last: false, host: 'h', counters: counters(), spans: [s(0, 1)] });
    const out = await profile.finish(3);
    expect(out).toContain(`trace of 1 of 3 ranks written to ${file}`);
    expect(out).toContain('trace of rank 0 holds its first 1 events; 7 later ones were not kept');
    expect(JSON.parse(await readFile(file, 'utf8')).traceEvents.length).toBeGreaterThan(0);
  });
});
