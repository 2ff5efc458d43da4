/**
 * Shared arrays and locks between the ranks of a host (Communicator.allocateShared,
 * createSharedLock, splitShared) through the real launcher, on both transports: the memory is
 * shared whatever carries the messages. The multi-host case (ERR_NOT_SHARED on a communicator
 * spanning hosts, splitShared per host) is in hosts.test.ts.
 */
import { existsSync, readdirSync } from 'node:fs';
import { describe, it } from 'vitest';
import { loadShmNative } from '../../src/comm/transport/shm-native.js';
import { fixture, kTransports, onTransport, runMpi, type TransportName } from '../helpers/run-mpi.js';

const shm = loadShmNative();
const run = (mode: string, transport: TransportName, np = 4, ...env: string[]) =>
  runMpi([...onTransport(transport), '-x', `SHARED_MODE=${mode}`, ...env.flatMap((e) => ['-x', e]), '-n', String(np), fixture('shared-memory.ts')]);
const ranks = (np: number): number[] => Array.from({ length: np }, (_, r) => r);

describe.runIf(shm.available).concurrent.each(kTransports)('shared memory between the ranks of a host, TSMPI_TRANSPORT=%s', (transport) => {
  it('a counter every rank adds to 100000 times with Atomics has the exact total; writes are seen after a barrier; blocks start zeroed and leave no file', async ({
    expect,
  }) => {
    const r = await run('counter', transport, 4, 'ADDS=100000');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const rank of ranks(4)) {
      expect(r.stdout).toContain(`rank ${rank} zeroed true files 0`);
      expect(r.stdout).toContain(`rank ${rank} counter 400000 expected 400000 seen 0.5,1.5,2.5,3.5`);
    }
  });

  it('the lock under contention: every rank gets it every time it asks, never two at once', async ({ expect }) => {
    const r = await run('lock', transport, 4, 'ROUNDS=100');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const rank of ranks(4)) expect(r.stdout).toContain(`rank ${rank} held 100 overlaps 0 total 400 expected 400`);
  });
});

describe.runIf(shm.available).concurrent('shared memory: errors and failures', () => {
  it('withLock releases when its function throws; release without the lock is ERR_NOT_HELD', async ({ expect }) => {
    const r = await run('throws', 'auto', 3);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const rank of ranks(3)) {
      expect(r.stdout).toContain(`rank ${rank} threw "Error: boom on ${rank}" held afterwards false`);
      expect(r.stdout).toContain(`rank ${rank} release without the lock: MpiError ERR_NOT_HELD: release: this rank does not hold the lock`);
      expect(r.stdout).toContain(`rank ${rank} lock usable after throws`);
    }
  });

  it('bad arguments are named and refused before anything is sent: the next call still matches on every rank', async ({ expect }) => {
    const r = await run('args', 'auto', 2);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 5)).toEqual([
      'TypeError: allocateShared: ctor must be a typed-array constructor such as Float64Array or Int32Array, got the function Array',
      'TypeError: allocateShared: ctor must be a typed-array constructor such as Float64Array or Int32Array, got an object',
      'RangeError: allocateShared: length must be a non-negative integer number of elements, got -1',
      'RangeError: allocateShared: length must be a non-negative integer number of elements, got 1.5',
      'RangeError: allocateShared: length must be a non-negative integer number of elements, got "8" (string)',
    ]);
    for (const rank of ranks(2)) expect(r.stdout).toContain(`rank ${rank} after bad arguments: Uint8Array of 3`);
  });

  it('without the native part allocateShared says so on every rank (ERR_NOT_SHARED with the reason)', async ({ expect }) => {
    const r = await runMpi(['-x', 'SHARED_MODE=probe', '-n', '2', fixture('shared-memory.ts')], { env: { TSMPI_SHM_ADDON: '/nonexistent/tsmpi_shm.node' } });
    expect(r.code).toBe(0);
    for (const rank of ranks(2)) {
      expect(r.stdout).toContain(
        `rank ${rank} MpiError ERR_NOT_SHARED: allocateShared on COMM_WORLD: shared memory is unavailable on this host: the native part was not built (/nonexistent/tsmpi_shm.node is missing)`,
      );
    }
  });

  it('a rank SIGKILLed while every rank holds a 64 MiB block: the job ends 137, nothing is left in the job directory or /dev/shm', async ({ expect }) => {
    const before = new Set(readdirSync('/dev/shm'));
    const r = await run('crash', 'auto', 3);
    expect(r.code).toBe(137);
    expect(r.stderr.split('\n')[0]).toMatch(/^tsmpirun: rank 1 \(pid \d+\) was killed by signal SIGKILL/);
    for (const rank of ranks(3)) expect(r.stdout).toContain(`rank ${rank} holding 67108864 bytes, files 0`);
    const dir = /^jobdir (\S+)$/m.exec(r.stdout)?.[1];
    expect(dir, r.stdout).toBeDefined();
    expect(existsSync(dir!)).toBe(false);
    // Other tests' jobs come and go meanwhile; this job's entry is the one that must not stay.
    expect(readdirSync('/dev/shm').filter((f) => !before.has(f) && dir!.endsWith(f))).toEqual([]);
  });
});
