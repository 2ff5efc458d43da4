/**
 * The control plane in one process over real ipc sockets: the launcher's RendezvousServer and
 * the ranks' ControlClients (each with its own env, as separate processes would have).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Dealer } from 'zeromq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient } from '../../../src/comm/bootstrap/control-client.js';
import type { AbortMessage, FailedMessage, HelloMessage } from '../../../src/comm/bootstrap/protocol.js';
import { RendezvousServer } from '../../../src/launcher/rendezvous-server.js';
import { testDirPrefix } from '../../helpers/run-tag.js';

let dir: string;
let control: string;
const closers: Array<() => void> = [];

beforeEach(async () => {
  dir = await fs.mkdtemp(testDirPrefix('cp'));
  control = `ipc://${path.join(dir, 'control')}`;
});

afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await fs.rm(dir, { recursive: true, force: true });
});

function client(rank: number, size: number): ControlClient {
  const c = new ControlClient({ rank, size, localRank: rank, localSize: size, jobId: 'test', control, jobDir: dir });
  closers.push(() => c.close());
  return c;
}

async function server(
  size: number,
  events: { hello: HelloMessage[]; failed: FailedMessage[]; abort: AbortMessage[]; formed: string[][] },
): Promise<RendezvousServer> {
  const s = await RendezvousServer.bind(control, size, {
    hello: (m) => events.hello.push(m),
    failed: (m) => events.failed.push(m),
    abort: (m) => events.abort.push(m),
    formed: (e) => events.formed.push(e),
  });
  closers.push(() => s.close());
  return s;
}

const newEvents = () => ({ hello: [] as HelloMessage[], failed: [] as FailedMessage[], abort: [] as AbortMessage[], formed: [] as string[][] });

describe('hello → directory', () => {
  it('answers every rank with all endpoints (index = rank) once the last one says hello', async () => {
    const events = newEvents();
    const s = await server(3, events);
    const clients = [2, 0, 1].map((rank) => client(rank, 3));
    const directories = await Promise.all(clients.map((c) => c.hello(`ipc:///r/${c.rank}`, 'host-a')));
    const expected = ['ipc:///r/0', 'ipc:///r/1', 'ipc:///r/2'];
    expect(directories).toEqual([0, 1, 2].map(() => ({ endpoints: expected, hosts: ['host-a', 'host-a', 'host-a'] })));
    expect(events.formed).toEqual([expected]);
    expect(events.hello.map((m) => m.rank).sort()).toEqual([0, 1, 2]);
    expect(events.hello[0]).toMatchObject({ type: 'hello', pid: process.pid, host: 'host-a' });
    expect([0, 1, 2].map((r) => s.hasJoined(r))).toEqual([true, true, true]);
    expect(s.joinedCount).toBe(3);
  });

  it('ignores malformed frames and frames whose rank is not their sender', async () => {
    const events = newEvents();
    const s = await server(3, events);
    const stray = new Dealer({ routingId: '2', linger: 0 });
    closers.push(() => stray.close());
    stray.connect(control);
    for (const frame of [
      'not json',
      '{"type":"nope"}',
      'null',
      '[]',
      '"hello"',
      JSON.stringify({ type: 'hello', rank: 0, pid: 1, host: 'h', endpoint: 'x' }), // claims rank 0 from id "2"
      JSON.stringify({ type: 'hello', rank: 2, pid: 1, host: 'h', endpoint: 7 }), // endpoint not a string
      JSON.stringify({ type: 'hello', rank: 7, pid: 1, host: 'h', endpoint: 'x' }), // out of range
      JSON.stringify({ type: 'failed', rank: 2, reason: 'bored', stack: 's' }),
      JSON.stringify({ type: 'abort', rank: 2, code: 'x' }),
      JSON.stringify({ type: 'directory', endpoints: [] }),
      JSON.stringify({ type: 'abort', rank: 2, code: 9 }),
    ]) {
      // valid: the sentinel
      await stray.send(frame);
    }
    // One connection is FIFO: once the sentinel is in, every frame before it was seen.
    while (events.abort.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(events.abort).toEqual([{ type: 'abort', rank: 2, code: 9 }]);
    expect(events.hello).toEqual([]);
    expect(events.failed).toEqual([]);
    expect(s.joinedCount).toBe(0);
  });
});

describe('failure reports', () => {
  it('delivers failed and abort, acknowledged before the rank goes on, then closes the client', async () => {
    const events = newEvents();
    await server(2, events);
    const c0 = client(0, 2);
    await c0.reportFailure('exception', 'Error: boom\n    at x');
    // The launcher had it when reportFailure resolved: no waiting needed here.
    expect(events.failed).toEqual([{ type: 'failed', rank: 0, reason: 'exception', stack: 'Error: boom\n    at x' }]);
    expect(c0.closed).toBe(true);
    const c1 = client(1, 2);
    await c1.abort(5);
    expect(events.abort).toEqual([{ type: 'abort', rank: 1, code: 5 }]);
  });

  it('gives up after a bounded wait when no launcher answers', async () => {
    const c = client(0, 1); // nothing bound at `control`: the test times out if the wait is unbounded
    await c.reportFailure('rejection', 'x');
    expect(c.closed).toBe(true);
  });

  it('a pending hello rejects when the client is closed', async () => {
    const c = client(0, 2);
    const hello = c.hello('e', 'h');
    c.close();
    await expect(hello).rejects.toThrow('the control connection was closed');
  });
});
