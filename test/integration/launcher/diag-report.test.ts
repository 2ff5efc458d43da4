/**
 * --trace/--stats reports over the real control plane in one process: a rank's parts reach the
 * launcher's collector whole and in order, each acknowledged; a launcher that never
 * acknowledges stops the report after its first part instead of holding the rank.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Router } from 'zeromq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient } from '../../../src/comm/bootstrap/control-client.js';
import type { DiagMessage, DiagSpan } from '../../../src/comm/bootstrap/protocol.js';
import { RendezvousServer } from '../../../src/launcher/rendezvous-server.js';
import { ProfileCollector } from '../../../src/launcher/profile/collector.js';
import { testDirPrefix } from '../../helpers/run-tag.js';

let dir: string;
let control: string;
const closers: Array<() => void> = [];

beforeEach(async () => {
  dir = await fs.mkdtemp(testDirPrefix('diag'));
  control = `ipc://${path.join(dir, 'control')}`;
});

afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await fs.rm(dir, { recursive: true, force: true });
});

function client(rank: number): ControlClient {
  const c = new ControlClient({ rank, size: 2, localRank: rank, localSize: 2, jobId: 'test', control, jobDir: dir });
  closers.push(() => c.close());
  return c;
}

const counters = { msgsSent: 1, msgsRecv: 2, bytesSent: 3, bytesRecv: 4, waitMs: 5, totalMs: 6, droppedSpans: 0 };
const span = (i: number): DiagSpan => ({ kind: 'send', name: 'send', start: i, end: i + 1, peer: 0, tag: 0, bytes: 8, seq: i });
const parts: Omit<DiagMessage, 'type' | 'rank'>[] = [
  { part: 0, last: false, host: 'h1', counters, spans: Array.from({ length: 4000 }, (_, i) => span(i)) },
  { part: 1, last: false, spans: Array.from({ length: 4000 }, (_, i) => span(4000 + i)) },
  { part: 2, last: true, spans: [span(8000)] },
];

describe('diag reports', () => {
  it('arrive whole through the server, every part acknowledged', async () => {
    const collector = new ProfileCollector();
    const seen: number[] = [];
    const s = await RendezvousServer.bind(control, 2, { diag: (m) => (seen.push(m.part), collector.receive(m)) });
    closers.push(() => s.close());
    expect(await client(1).reportDiagnostics(parts)).toBe(true);
    expect(seen).toEqual([0, 1, 2]);
    const [report] = collector.reports();
    expect(report).toMatchObject({ rank: 1, host: 'h1', counters, complete: true });
    expect(report.spans.map((x) => x.seq)).toEqual(Array.from({ length: 8001 }, (_, i) => i));
  });

  it('stop after the first part when the launcher never acknowledges', async () => {
    const router = new Router({ linger: 0 });
    closers.push(() => router.close());
    await router.bind(control);
    const frames: string[] = [];
    void (async () => {
      try {
        for await (const [, frame] of router) frames.push(frame.toString());
      } catch {
        // closed
      }
    })();
    const c = client(0);
    expect(await c.reportDiagnostics(parts)).toBe(false);
    expect(c.closed).toBe(true);
    expect(frames.map((f) => (JSON.parse(f) as DiagMessage).part)).toEqual([0]);
  });
});
