/**
 * tsmpirun --trace FILE and --stats through the real launcher: the trace is well-formed Chrome
 * Trace Event JSON with one process per rank, every receive has its send (a flow from one to
 * the other), the counts are what the program did, --stats agrees with the trace, and failing,
 * killed or misconfigured runs still behave.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, onTransport, runMpi, tempDir } from '../helpers/run-mpi.js';
import type { TraceEvent as Event } from '../../src/launcher/profile/trace-events.js';

async function traceFile(): Promise<string> {
  const dir = await tempDir();
  return path.join(dir, 'trace.json');
}

async function readTrace(file: string): Promise<Event[]> {
  const trace = JSON.parse(await fs.readFile(file, 'utf8')) as { traceEvents: Event[]; displayTimeUnit: string };
  expect(trace.displayTimeUnit).toBe('ms');
  for (const e of trace.traceEvents) {
    expect(typeof e.ph).toBe('string');
    expect(Number.isFinite(e.ts)).toBe(true);
    expect(Number.isInteger(e.pid)).toBe(true);
    expect(Number.isInteger(e.tid)).toBe(true);
    if (e.ph === 'X') expect(e.dur).toBeGreaterThanOrEqual(0);
  }
  return trace.traceEvents;
}

const spans = (events: Event[], rank: number, name: string, tag?: number): Event[] =>
  events.filter((e) => e.ph === 'X' && e.pid === rank && e.name === name && (tag === undefined || e.args?.tag === tag));

const ranksIn = (events: Event[]): number[] =>
  events
    .filter((e) => e.ph === 'M' && e.name === 'process_name')
    .map((e) => e.pid)
    .sort((a, b) => a - b);

/** Rows of the --stats table: rank → [msgs sent, msgs recv, bytes sent, bytes recv]. */
function statsRows(stderr: string): Map<number, number[]> {
  const rows = new Map<number, number[]>();
  for (const line of stderr.split('\n')) {
    const m = /^(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+\.\d)\s+(\d+\.\d)\s+(\d+\.\d)$/.exec(line);
    if (m !== null)
      rows.set(
        Number(m[1]),
        [2, 3, 4, 5].map((i) => Number(m[i])),
      );
  }
  return rows;
}

describe('--trace and --stats', () => {
  it('writes one track per rank, a flow from every send to its receive, and the counts the program did; --stats agrees', async () => {
    const file = await traceFile();
    const size = 3;
    const run = await runMpi(['-n', String(size), '--trace', file, '--stats', fixture('trace-counts.ts')]);
    expect(run.stderr).toContain('communication statistics');
    expect(run.code).toBe(0);
    const events = await readTrace(file);
    expect(ranksIn(events)).toEqual([0, 1, 2]);
    const labels = events.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => e.args?.name);
    expect(labels).toEqual(['rank 0', 'rank 1', 'rank 2']);

    const rows = statsRows(run.stderr);
    expect([...rows.keys()]).toEqual([0, 1, 2]);
    for (let rank = 0; rank < size; rank++) {
      // The program's own messages: 5 to the next rank, 5 from the previous one.
      const sent = spans(events, rank, 'send', 100);
      const received = spans(events, rank, 'recv', 100);
      expect(sent.map((e) => e.args?.peer)).toEqual(Array(5).fill((rank + 1) % size));
      expect(received.map((e) => e.args?.peer)).toEqual(Array(5).fill((rank + size - 1) % size));
      expect(spans(events, rank, 'wait')).toHaveLength(5);
      for (const name of ['barrier', 'allreduce', 'bcast']) {
        const calls = spans(events, rank, name);
        expect(calls, name).toHaveLength(1);
        expect(calls[0].cat).toBe('collective');
        expect(calls[0].args).toMatchObject({ comm: 'COMM_WORLD' });
      }
      // --stats counts every message on the wire (collectives' too): what the trace shows.
      const allSent = spans(events, rank, 'send');
      const allReceived = spans(events, rank, 'recv');
      const bytes = (list: Event[]): number => list.reduce((sum, e) => sum + (e.args?.bytes as number), 0);
      expect(rows.get(rank)).toEqual([allSent.length, allReceived.length, bytes(allSent), bytes(allReceived)]);
    }

    // Every receive has its send: same pair and sequence number, same bytes, and one flow between them.
    const sends = events.filter((e) => e.ph === 'X' && e.name === 'send');
    const recvs = events.filter((e) => e.ph === 'X' && e.name === 'recv');
    expect(recvs.length).toBe(sends.length);
    for (const r of recvs) {
      const s = sends.filter((e) => e.pid === r.args?.peer && e.args?.peer === r.pid && e.args?.seq === r.args?.seq);
      expect(s, `send of ${JSON.stringify(r)}`).toHaveLength(1);
      expect(s[0].args?.bytes).toBe(r.args?.bytes);
      expect(s[0].args?.tag).toBe(r.args?.tag);
    }
    const starts = events.filter((e) => e.ph === 's');
    const finishes = events.filter((e) => e.ph === 'f');
    expect(starts).toHaveLength(recvs.length);
    expect(finishes.map((e) => e.id).sort()).toEqual(starts.map((e) => e.id).sort());
    for (const f of finishes) {
      const s = starts.find((e) => e.id === f.id)!;
      // The flow starts on a send of rank s.pid to rank f.pid and ends on that receive.
      expect(sends.some((e) => e.pid === s.pid && e.tid === s.tid && e.ts === s.ts && e.args?.peer === f.pid)).toBe(true);
      expect(recvs.some((e) => e.pid === f.pid && e.tid === f.tid && e.args?.peer === s.pid && Math.abs(e.ts + e.dur! - f.ts) < 0.01)).toBe(true);
    }
  });

  it('--stats counts the same messages and bytes over shared memory and over ZeroMQ, np=3', async () => {
    const [auto, zmq] = await Promise.all(
      ['auto', 'zmq'].map((t) => runMpi([...onTransport(t as 'auto' | 'zmq'), '-n', '3', '--stats', fixture('trace-counts.ts')])),
    );
    expect(auto.code).toBe(0);
    expect(zmq.code).toBe(0);
    const rows = statsRows(auto.stderr);
    expect([...rows.keys()]).toEqual([0, 1, 2]);
    expect(rows).toEqual(statsRows(zmq.stderr));
  });

  it('--stats alone prints a row per rank and the slowest collectives, and writes no trace', async () => {
    const run = await runMpi(['-n', '2', '--stats', fixture('trace-counts.ts')]);
    expect(run.code).toBe(0);
    const rows = statsRows(run.stderr);
    expect([...rows.keys()]).toEqual([0, 1]);
    for (const [sent, received] of rows.values()) {
      expect(sent).toBeGreaterThanOrEqual(5);
      expect(received).toBeGreaterThanOrEqual(5);
    }
    expect(run.stderr).toMatch(/slowest collectives:\n {2}(barrier|allreduce|bcast) #\d on COMM_WORLD {2}rank \d {2}\d+\.\d{3} ms/);
    // The start-up split, its phases in the order they happen.
    const startup =
      /start-up \(ms after tsmpirun started, slowest rank\): spawning ranks (\d+) → Node started (\d+) → tsmpi loaded (\d+) → said hello (\d+) → job formed (\d+) → first collective done (\d+)\n/.exec(
        run.stderr,
      );
    expect(startup).not.toBeNull();
    const [spawning, node, loaded, hello, formed, first] = startup!.slice(1).map(Number);
    // Across processes the clocks agree to a millisecond or two.
    expect(node).toBeGreaterThanOrEqual(spawning - 5);
    expect(hello).toBeGreaterThanOrEqual(loaded - 5);
    expect(formed).toBeGreaterThanOrEqual(hello);
    expect(first).toBeGreaterThanOrEqual(formed);
    expect(loaded).toBeGreaterThan(node);
  });

  it('an unwritable --trace path is a usage error before any rank starts', async () => {
    const dir = path.dirname(await traceFile());
    const file = path.join(dir, 'missing', 'trace.json');
    const run = await runMpi(['-n', '2', '--trace', file, fixture('trace-counts.ts')]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`tsmpirun: --trace: cannot write "${file}"`);
  });

  it('a rank that throws: the trace has every rank, the failing one and those the launcher stopped', async () => {
    const file = await traceFile();
    const run = await runMpi(['-n', '3', '--trace', file, fixture('trace-counts.ts'), 'fail']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('boom on rank 2');
    const events = await readTrace(file);
    expect(ranksIn(events)).toEqual([0, 1, 2]);
    for (const rank of [0, 1, 2]) expect(spans(events, rank, 'send', 100)).toHaveLength(5);
  });

  it('a rank killed before reporting: the others are written, and the launcher says so', async () => {
    const file = await traceFile();
    const run = await runMpi(['-n', '3', '--trace', file, fixture('trace-counts.ts'), 'kill']);
    expect(run.code).toBe(137);
    expect(run.stderr).toContain(`tsmpirun: trace of 2 of 3 ranks written to ${file} (the others were stopped before they had reported everything)`);
    const events = await readTrace(file);
    expect(ranksIn(events)).toEqual([0, 1]);
  });
});
