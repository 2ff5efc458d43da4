/**
 * The shared-memory transport's native rings, several endpoints in one process: record layout
 * across ring wrap-arounds, zero-length and many frames, messages far larger than a ring
 * (streamed while the reader copies out), per-pair order with several writers, and a full
 * ring making the writer wait instead of dropping. The same code runs between processes in
 * the end-to-end tests; here every size and boundary can be reached quickly.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadShmNative } from '../../../src/comm/transport/shm-native.js';
import { ringBytesFor, ShmTransport } from '../../../src/comm/transport/shm-transport.js';

const shm = loadShmNative();
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Got {
  from: number;
  frames: Buffer[];
}

/** `n` transports as ranks 0..n-1 of one host, each collecting what it receives. */
function host(n: number, spinUs = 0): { ts: ShmTransport[]; inbox: Got[][]; dir: string } {
  if (!shm.available) throw new Error(shm.reason);
  const dir = mkdtempSync(path.join('/dev/shm', 'tsmpi-test-rings-'));
  dirs.push(dir);
  const ts = Array.from({ length: n }, (_, rank) => ShmTransport.create(shm.native, { rank, dir, slots: n, spinUs }));
  const ranks = ts.map((_, r) => r);
  const segments = ts.map((t) => t.endpoint.slice('shm://'.length));
  const inbox: Got[][] = ts.map(() => []);
  ts.forEach((t, r) => {
    t.setPeers(r, ranks, segments);
    t.onMessage((from, header, packets) => {
      inbox[r].push({ from, frames: [header, ...packets] });
    });
  });
  return { ts, inbox, dir };
}

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

const frame = (n: number, seed: number): Buffer => {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (seed * 31 + i * 7) & 0xff;
  return b;
};

describe.runIf(shm.available)('shared-memory rings, in one process', () => {
  it('ring sizes: powers of two, 1 MiB for small hosts, bounded per rank as hosts grow', () => {
    expect(ringBytesFor(2)).toBe(1 << 20);
    expect(ringBytesFor(16)).toBe(1 << 20);
    expect(ringBytesFor(64)).toBe(256 << 10);
    expect(ringBytesFor(1024)).toBe(64 << 10);
    for (const n of [2, 3, 5, 17, 33, 64, 100, 256]) {
      const r = ringBytesFor(n);
      expect(Math.log2(r) % 1).toBe(0);
      expect(r * (n - 1)).toBeLessThanOrEqual(Math.max(16 << 20, (64 << 10) * (n - 1)));
    }
  });

  it('messages of every size around the ring boundaries arrive whole, in order, with zero-length and many frames', async () => {
    const { ts, inbox } = host(2);
    const ring = ringBytesFor(2);
    const sizes = [0, 1, 7, 8, 9, 100, 4095, 4096, 65536, ring / 4 - 1, ring / 4, ring / 2 + 3, ring - 16, ring, ring + 1, 3 * ring + 5];
    const sent: Buffer[][] = [];
    let seed = 0;
    for (let round = 0; round < 3; round++) {
      for (const size of sizes) {
        const frames = [frame(20, seed++), frame(size, seed++), Buffer.alloc(0), frame(size % 13, seed++)];
        sent.push(frames);
        ts[0].setActive(true);
        ts[1].setActive(true);
        await ts[0].send(1, frames);
      }
    }
    // 256 frames, the most a message may have.
    const many = Array.from({ length: 256 }, (_, i) => frame(i, i));
    sent.push(many);
    await ts[0].send(1, many);
    await until(() => inbox[1].length === sent.length, 'every message');
    inbox[1].forEach((got, i) => {
      expect(got.from).toBe(0);
      expect(got.frames.length).toBe(sent[i].length);
      got.frames.forEach((f, j) => expect(Buffer.compare(f, sent[i][j]), `message ${i} frame ${j}`).toBe(0));
    });
    for (const t of ts) await t.close();
  });

  it('a 64 MiB message through a 1 MiB ring streams while the receiver copies out', async () => {
    const { ts, inbox } = host(2, 20);
    const big = randomBytes(64 << 20);
    ts[1].setActive(true);
    await ts[0].send(1, [Buffer.from('header'), big]);
    await until(() => inbox[1].length === 1, 'the big message');
    expect(inbox[1][0].frames[0].toString()).toBe('header');
    expect(Buffer.compare(inbox[1][0].frames[1], big)).toBe(0);
    for (const t of ts) await t.close();
  });

  it('three writers flooding one reader: per-writer order kept, nothing lost or duplicated, writers wait on full rings', async () => {
    const { ts, inbox } = host(4);
    const perWriter = 3000;
    const sends: Promise<void>[] = [];
    for (let w = 1; w < 4; w++) {
      ts[w].setActive(true);
      for (let i = 0; i < perWriter; i++) {
        const body = Buffer.alloc(8 + (i % 50) * 97);
        body.writeUInt32LE(w, 0);
        body.writeUInt32LE(i, 4);
        sends.push(ts[w].send(0, [body]));
      }
    }
    // The reader has not taken anything yet: some writers must be waiting for room.
    let settled = 0;
    for (const s of sends) void s.then(() => settled++);
    await new Promise((r) => setTimeout(r, 50));
    ts[0].setActive(true);
    await Promise.all(sends);
    await until(() => inbox[0].length === 3 * perWriter, 'every flooded message');
    const next = [0, 0, 0, 0];
    for (const got of inbox[0]) {
      const w = got.frames[0].readUInt32LE(0);
      expect(w).toBe(got.from);
      expect(got.frames[0].readUInt32LE(4)).toBe(next[w]++);
    }
    expect(next).toEqual([0, perWriter, perWriter, perWriter]);
    expect(settled).toBe(3 * perWriter);
    for (const t of ts) await t.close();
  });

  it('close removes the segment and the bell; a writer to a closed rank does not wait forever', async () => {
    const { ts, dir } = host(2);
    expect(readdirSync(dir).sort()).toEqual(['shm-0', 'shm-0.bell', 'shm-1', 'shm-1.bell']);
    await ts[1].close();
    // Rank 1 is gone: a message to it is lost like one to an exited process, never blocks.
    ts[0].setActive(true);
    await ts[0].send(1, [Buffer.alloc(3 << 20)]);
    await ts[0].close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('host memory: a file every endpoint maps alike, grown on demand, removed with its first rank', async () => {
    const { ts, dir } = host(3);
    const memories = ts.map((t) => t.hostMemory([0, 1, 2], 'coll-9')!);
    const turns = memories.map((m) => m.enter());
    turns[0].scratch(100).set([1, 2, 3], 50);
    expect([...turns[2].scratch(100).subarray(50, 53)]).toEqual([1, 2, 3]);
    // Growing past the first mapping keeps what was there and is seen by the others.
    const big = turns[1].scratch(5 << 20);
    big[(5 << 20) - 1] = 7;
    expect(big[51]).toBe(2);
    expect(turns[0].scratch(5 << 20)[(5 << 20) - 1]).toBe(7);
    expect(readdirSync(dir)).toContain('shm-0.coll-9');
    expect(ts[0].hostMemory([0, 5], 'coll-9')).toBeUndefined(); // rank 5 is not on this host
    for (const t of turns) t.done();
    for (const t of ts) await t.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('allocate: large buffers from the huge-page pool, any size, reusable after collection', () => {
    if (!shm.available) throw new Error(shm.reason);
    for (const bytes of [0, 1, 4095, 1 << 20, (3 << 20) + 5, 16 << 20]) {
      for (let round = 0; round < 3; round++) {
        const a = new Uint8Array(shm.native.allocate(bytes));
        expect(a.length).toBe(bytes);
        a.fill(round + 1);
        expect(a.every((v) => v === round + 1)).toBe(true);
      }
    }
    expect(() => shm.native.allocate(-1)).toThrow(/allocate/);
  });
});
