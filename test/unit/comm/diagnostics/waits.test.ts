import { describe, expect, it, vi } from 'vitest';

// Call sites are recorded only when asked for; read when waits.ts loads, so set before imports.
vi.hoisted(() => {
  process.env.TSMPI_CALL_SITES = 'on';
});

import { callSite, snapshot, tracked, type Tracked } from '../../../../src/comm/diagnostics/waits.js';

const lib = '/opt/app/node_modules/tsmpi/dist/';

describe('call site extraction', () => {
  it('takes the first frame outside tsmpi and Node, as file:line', () => {
    const stack = [
      'Error',
      `    at Communicator.recv (file://${lib}comm/communicator.js:120:11)`,
      `    at finalize (${lib}index.js:40:3)`,
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      '    at file:///home/me/solve.ts:88:20',
    ].join('\n');
    expect(callSite(stack, [lib])).toBe('solve.ts:88');
  });

  it('reads named frames and plain paths', () => {
    expect(callSite('Error\n    at step (/home/me/io.ts:12:7)\n    at main (/home/me/io.ts:30:1)', [lib])).toBe('io.ts:12');
    expect(callSite('Error\n    at async Promise.all (index 0)\n    at /home/me/a b/x.mjs:3:9', [lib])).toBe('x.mjs:3');
  });

  it("gives undefined when every frame is tsmpi's or Node's", () => {
    expect(callSite(`Error\n    at f (${lib}x.js:1:1)\n    at node:internal/main:1:1`, [lib])).toBeUndefined();
  });
});

describe('wait registry', () => {
  const comm: Tracked = { name: 'COMM_WORLD' };

  it('registers a call while its promise is pending, with this test file as the call site', async () => {
    let release!: () => void;
    const recv = tracked(
      'recv',
      (source = -1, tag = -1) => [
        ['source', source],
        ['tag', tag],
      ],
      false,
      (_source?: number, _tag?: number) =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    const pending = recv.call(comm, 3);
    const [wait] = snapshot().filter((w) => w.op === 'recv');
    expect(wait).toMatchObject({
      op: 'recv',
      comm: 'COMM_WORLD',
      args: [
        ['source', 3],
        ['tag', 'any'],
      ],
    });
    expect(wait.site).toMatch(/^waits\.test\.ts:\d+$/);
    release();
    await pending;
    expect(snapshot().filter((w) => w.op === 'recv')).toEqual([]);
  });

  it('numbers collectives per communicator and leaves out calls made inside a tracked call', async () => {
    const other: Tracked = { name: 'a dup of COMM_WORLD' };
    const never = new Promise<void>(() => undefined);
    const barrier = tracked('barrier', undefined, true, () => never);
    const outer = tracked(
      'finalize',
      undefined,
      false,
      () => barrier.call(comm),
      () => comm,
    );
    void barrier.call(comm);
    void barrier.call(other);
    void outer.call(comm);
    void barrier.call(comm);
    const waits = snapshot().filter((w) => w.op === 'barrier' || w.op === 'finalize');
    expect(waits.map((w) => [w.op, w.comm, w.call])).toEqual([
      ['barrier', 'COMM_WORLD', 1],
      ['barrier', 'a dup of COMM_WORLD', 1],
      ['finalize', 'COMM_WORLD', undefined],
      ['barrier', 'COMM_WORLD', 3],
    ]);
  });

  it('forgets a call that rejects, and returns what the call returned', async () => {
    const fail = tracked(
      'send',
      (_data?: unknown, dest = 0, tag = 0) => [
        ['dest', dest],
        ['tag', tag],
      ],
      false,
      (_data?: unknown, _dest?: number, _tag?: number) => Promise.reject(new RangeError('bad')),
    );
    await expect(fail.call(comm)).rejects.toThrow('bad');
    expect(snapshot().filter((w) => w.op === 'send')).toEqual([]);
  });
});
