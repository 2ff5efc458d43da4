/**
 * The rank's --trace/--stats recorder, on (TSMPI_TRACE=1 before it is loaded): counters,
 * spans, time waiting as the union of overlapping calls, and the report in parts.
 */
import { afterAll, describe, expect, it } from 'vitest';

process.env.TSMPI_TRACE = '1';
const listeners = { beforeExit: process.listeners('beforeExit'), SIGTERM: process.listeners('SIGTERM') };
const recorder = await import('../../../../src/comm/diagnostics/recorder.js');
afterAll(() => {
  // The recorder reports at exit and on SIGTERM; this worker is no rank.
  for (const l of process.listeners('beforeExit')) if (!listeners.beforeExit.includes(l)) process.off('beforeExit', l);
  for (const l of process.listeners('SIGTERM')) if (!listeners.SIGTERM.includes(l)) process.off('SIGTERM', l);
  delete process.env.TSMPI_TRACE;
});

describe('recorder', () => {
  it('is on, counts messages and keeps their spans', () => {
    expect(recorder.recording).toBe(true);
    recorder.recordSend(1, 7, 100, 0, 10, 11);
    recorder.recordSend(1, 7, 28, 1, 12, 12.5);
    recorder.recordRecv(2, 7, 64, 0, 9, 20);
    const [first] = recorder.reportParts(0, 100);
    expect(first.counters).toMatchObject({ msgsSent: 2, msgsRecv: 1, bytesSent: 128, bytesRecv: 64 });
    expect(first.spans).toEqual([
      { kind: 'send', name: 'send', start: 10, end: 11, peer: 1, tag: 7, bytes: 100, seq: 0 },
      { kind: 'send', name: 'send', start: 12, end: 12.5, peer: 1, tag: 7, bytes: 28, seq: 1 },
      { kind: 'recv', name: 'recv', start: 9, end: 20, peer: 2, tag: 7, bytes: 64, seq: 0 },
    ]);
  });

  it('counts overlapping waits once, and a wait still going up to the report', () => {
    const before = recorder.reportParts(0, 0)[0].counters!.waitMs;
    recorder.enterWait(100);
    recorder.enterWait(102);
    recorder.leaveWait(105);
    recorder.leaveWait(110);
    expect(recorder.reportParts(0, 0)[0].counters!.waitMs - before).toBe(10);
    recorder.enterWait(200);
    expect(recorder.reportParts(0, 204)[0].counters!.waitMs - before).toBe(14);
    recorder.leaveWait(204);
  });

  it('keeps a span for each observed call once it settles', async () => {
    let settle!: () => void;
    const call = new Promise<void>((resolve) => (settle = resolve));
    recorder.observeCall('coll', 'allreduce', performance.now(), call, true, 'COMM_WORLD', 3);
    recorder.observeCall('wait', 'recv', performance.now(), call, false, 'COMM_WORLD');
    const count = (): number => recorder.reportParts(0)[0].spans.length;
    const before = count();
    settle();
    await call;
    await Promise.resolve();
    const spans = recorder.reportParts(0).flatMap((p) => p.spans);
    expect(spans).toHaveLength(before + 1);
    expect(spans.at(-1)).toMatchObject({ kind: 'coll', name: 'allreduce', comm: 'COMM_WORLD', call: 3 });
  });

  it('reports in parts of kSpansPerPart spans, times shifted to the job epoch, counters and host in the first', () => {
    const have = recorder.reportParts(0).flatMap((p) => p.spans).length;
    for (let i = have; i < recorder.kSpansPerPart + 10; i++) recorder.recordSend(0, 0, 1, i, i, i + 0.0004);
    const parts = recorder.reportParts(1000);
    expect(parts.map((p) => [p.part, p.last, p.spans.length])).toEqual([
      [0, false, recorder.kSpansPerPart],
      [1, true, 10],
    ]);
    expect(typeof parts[0].host).toBe('string');
    expect(parts[1].counters).toBeUndefined();
    const last = parts[1].spans.at(-1)!;
    const i = recorder.kSpansPerPart + 9;
    expect([last.start, last.end]).toEqual([i + 1000, i + 1000]);
  });
});
