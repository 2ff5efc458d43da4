/**
 * Flow control over the in-process loopback world with a window of one byte per peer, so
 * every message sent while another is still unreceived goes as a rendezvous (header first,
 * packets when the receiver takes it). Matching, collectives and failure handling must not
 * notice, except that a send waits once the window is full.
 */
import { describe, expect, it } from 'vitest';
import type { CollectiveName } from '../../src/comm/coll/channel.js';
import { kAlgorithms } from '../../src/comm/coll/select.js';
import { ANY_SOURCE } from '../../src/comm/constants.js';
import { MAX, SUM } from '../../src/comm/ops/builtin.js';
import { waitall } from '../../src/comm/request.js';
import { Status } from '../../src/comm/status.js';
import { FlowWindow, kMessageOverhead, kMinWindowPerPeer, windowPerPeer } from '../../src/comm/p2p/flow-window.js';
import { P2PEngine } from '../../src/comm/p2p/p2p-engine.js';
import { createLoopbackTransports } from '../../src/comm/transport/loopback-transport.js';
import { createLoopbackWorld, spmd } from '../helpers/world.js';

const tiny = { windowPerPeer: 1 };
const ticks = async (n = 20): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('FlowWindow bookkeeping', () => {
  it('charges while the window has room, always lets one message through an empty window', () => {
    const w = new FlowWindow(1000, 2);
    expect(w.charge(1, 600)).toBe(true);
    expect(w.charge(1, 600)).toBe(false);
    expect(w.charge(1, 400)).toBe(true);
    w.refund(1, 1000);
    expect(w.left(1)).toBe(1000);
    expect(w.charge(1, 5000)).toBe(true);
    expect(w.left(1)).toBe(-4000);
    expect(w.charge(1, 1)).toBe(false);
    w.refund(1, 1e9);
    expect(w.left(1)).toBe(1000);
  });

  it('gives credit back in batches of a quarter window', () => {
    const w = new FlowWindow(1000, 3);
    expect(w.taken(2, 100)).toBe(0);
    expect(w.taken(2, 100)).toBe(0);
    expect(w.taken(2, 100)).toBe(300);
    expect(w.taken(1, 250)).toBe(250);
  });

  it('shares the receive buffer over the peers, with a floor; unlimited never limits', () => {
    expect(windowPerPeer(64 * 2 ** 20, 5)).toBe(16 * 2 ** 20);
    expect(windowPerPeer(1024, 3)).toBe(kMinWindowPerPeer);
    expect(windowPerPeer(Infinity, 8)).toBe(Infinity);
    const w = new FlowWindow(Infinity, 2);
    for (let i = 0; i < 100; i++) expect(w.charge(1, 2 ** 40)).toBe(true);
    expect(w.taken(1, 2 ** 40)).toBe(0);
    expect(kMessageOverhead).toBeGreaterThan(0);
  });
});

describe('rendezvous messages over the loopback transport (window of 1 byte)', () => {
  it('a receiver matches by tag out of order past a full window: nothing waits behind unreceived messages', async () => {
    const [a, b] = createLoopbackWorld(2, tiny);
    const sends = [...Array.from({ length: 50 }, (_, i) => a.isend(new Float64Array(100).fill(i), 1, 1)), a.isend('last', 1, 2)];
    expect(await b.recv(0, 2)).toBe('last');
    for (let i = 0; i < 50; i++) expect((await b.recv<Float64Array>(0, 1))[99]).toBe(i);
    await waitall(sends);
  });

  it('send waits once the window is full, until the receiver takes the message', async () => {
    const [a, b] = createLoopbackWorld(2, tiny);
    await a.send('first', 1, 0); // an empty window lets one message through
    let second = false;
    const pending = a.send('second', 1, 0).then(() => (second = true));
    await ticks();
    expect(second).toBe(false);
    expect(await b.recv(0, 0)).toBe('first');
    await ticks();
    expect(second).toBe(false);
    expect(await b.recv(0, 0)).toBe('second');
    await pending;
    expect(second).toBe(true);
  });

  it('probe and iprobe see a rendezvous message with its size before its packets come', async () => {
    const [a, b] = createLoopbackWorld(2, tiny);
    const first = a.isend(1, 1, 5);
    const big = a.isend(new Uint8Array(12345), 1, 6);
    await ticks();
    const s = new Status();
    expect(b.iprobe(0, 6, s)).toBe(true);
    expect([s.source, s.tag, s.count]).toEqual([0, 6, 12345]);
    await b.probe(ANY_SOURCE, 6, s);
    expect((await b.recv<Uint8Array>(0, 6)).length).toBe(12345);
    expect(await b.recv(0, 5)).toBe(1);
    await waitall([first, big]);
  });

  it('keeps per-sender order under wildcards with delays, mixing eager and rendezvous', async () => {
    const comms = createLoopbackWorld(4, { ...tiny, maxDelayMs: 2 });
    const n = 60;
    const results = await spmd(comms, async (c) => {
      if (c.rank === 0) {
        const last = [-1, -1, -1, -1];
        const status = new Status();
        for (let i = 0; i < 3 * n; i++) {
          const v = await c.recv<number[]>(ANY_SOURCE, 3, status);
          expect(v[0]).toBe(last[status.source] + 1);
          last[status.source] = v[0];
        }
        return last;
      }
      await waitall(Array.from({ length: n }, (_, i) => c.isend([i, ...new Array<number>(i * 10).fill(c.rank)], 0, 3)));
      return [];
    });
    expect(results[0]).toEqual([-1, n - 1, n - 1, n - 1]);
  });

  it('a rank that ends without receiving declines its rendezvous messages, so their sends finish', async () => {
    const [ta, tb] = createLoopbackTransports(2);
    const a = new P2PEngine(0, 2, ta, tiny);
    const b = new P2PEngine(1, 2, tb, tiny);
    const bytes = { code: 1, bytes: Buffer.alloc(1000) };
    await a.send(0, 1, 0, [bytes]);
    const never = a.send(0, 1, 0, [bytes]);
    await ticks();
    expect(b.iprobe(0, 0, 0)?.bytes).toBe(1000);
    expect(b.declineUnreceived()).toBe(true);
    await never;
    expect(b.declineUnreceived()).toBe(false);
  });

  for (const size of [3, 4, 5]) {
    for (const [collective, algorithms] of Object.entries(kAlgorithms) as Array<[CollectiveName, readonly string[]]>) {
      for (const algorithm of algorithms) {
        it(`${collective} (${algorithm}) at np ${size}, three calls in flight at once`, async () => {
          const comms = createLoopbackWorld(size, { ...tiny, maxDelayMs: 1, algorithms: { [collective]: algorithm } });
          const results = await spmd(comms, (c) => Promise.all([0, 1, 2].map((k) => runCollective(c.rank, c.size, collective, k, c))));
          results.forEach((perRank, r) => perRank.forEach((got, k) => expect(got, `rank ${r} call ${k}`).toEqual(expected(r, size, collective, k))));
        });
      }
    }
  }
});

type Comm = ReturnType<typeof createLoopbackWorld>[number];
const root = (size: number, k: number): number => (k * 2 + 1) % size;
const vec = (r: number, k: number): Float64Array => Float64Array.from({ length: 600 }, (_, i) => r * 1000 + i + k);

async function runCollective(rank: number, size: number, collective: CollectiveName, k: number, c: Comm): Promise<unknown> {
  const rt = root(size, k);
  switch (collective) {
    case 'barrier':
      return c.barrier();
    case 'bcast':
      return c.bcast(rank === rt ? vec(rt, k) : undefined, rt);
    case 'scatter':
      return c.scatter(rank === rt ? Array.from({ length: size }, (_, i) => vec(i, k)) : undefined, rt);
    case 'gather':
      return c.gather(vec(rank, k), rt);
    case 'allgather':
      return c.allgather(vec(rank, k));
    case 'alltoall':
      return c.alltoall(Array.from({ length: size }, (_, j) => vec(rank * size + j, k)));
    case 'reduce':
      return c.reduce(vec(rank, k), SUM, rt);
    case 'allreduce':
      return c.allreduce(vec(rank, k), k === 1 ? MAX : SUM);
    case 'scan':
      return c.scan(vec(rank, k), SUM);
    case 'exscan':
      return c.exscan(vec(rank, k), SUM);
    case 'scatterv':
      return c.scatterv(rank === rt ? vec(rt, k) : undefined, rank === rt ? blocks(size) : undefined, rt);
    case 'gatherv':
      return c.gatherv(vec(rank, k), rt);
    case 'allgatherv':
      return c.allgatherv(vec(rank, k));
    case 'alltoallv':
      return c.alltoallv(vec(rank, k), blocks(size));
    case 'reduce_scatter_block':
      return c.reduceScatterBlock(vec(rank, k), SUM);
    case 'reduce_scatter':
      return c.reduceScatter(vec(rank, k), blocks(size), SUM);
  }
}

/** 600 elements in `size` uneven blocks. */
const blocks = (size: number): number[] =>
  Array.from({ length: size }, (_, i) => Math.floor((600 * (i + 1) ** 2) / size ** 2) - Math.floor((600 * i ** 2) / size ** 2));
const blockOf = (a: Float64Array, counts: number[], i: number): Float64Array => {
  const at = counts.slice(0, i).reduce((x, y) => x + y, 0);
  return a.slice(at, at + counts[i]);
};
const joined = (parts: Float64Array[]): Float64Array => Float64Array.from(parts.flatMap((p) => Array.from(p)));

function sumOf(ranks: number[], k: number): Float64Array {
  const out = new Float64Array(600);
  for (const r of ranks) vec(r, k).forEach((v, i) => (out[i] += v));
  return out;
}

function expected(rank: number, size: number, collective: CollectiveName, k: number): unknown {
  const rt = root(size, k);
  const all = Array.from({ length: size }, (_, i) => i);
  switch (collective) {
    case 'barrier':
      return undefined;
    case 'bcast':
      return vec(rt, k);
    case 'scatter':
      return vec(rank, k);
    case 'gather':
      return rank === rt ? all.map((i) => vec(i, k)) : undefined;
    case 'allgather':
      return all.map((i) => vec(i, k));
    case 'alltoall':
      return all.map((j) => vec(j * size + rank, k));
    case 'reduce':
      return rank === rt ? sumOf(all, k) : undefined;
    case 'allreduce':
      return k === 1 ? vec(size - 1, k) : sumOf(all, k);
    case 'scan':
      return sumOf(all.slice(0, rank + 1), k);
    case 'exscan':
      return rank === 0 ? undefined : sumOf(all.slice(0, rank), k);
    case 'scatterv':
      return blockOf(vec(rt, k), blocks(size), rank);
    case 'gatherv':
      return rank === rt ? { data: joined(all.map((i) => vec(i, k))), counts: all.map(() => 600) } : undefined;
    case 'allgatherv':
      return { data: joined(all.map((i) => vec(i, k))), counts: all.map(() => 600) };
    case 'alltoallv':
      return { data: joined(all.map((i) => blockOf(vec(i, k), blocks(size), rank))), counts: all.map(() => blocks(size)[rank]) };
    case 'reduce_scatter_block':
      return blockOf(
        sumOf(all, k),
        all.map(() => 600 / size),
        rank,
      );
    case 'reduce_scatter':
      return blockOf(sumOf(all, k), blocks(size), rank);
  }
}
