/**
 * Collectives among the ranks of one host through the real launcher: with shared memory (the
 * default) large bcasts and allreduces copy through a host-memory file in the job directory;
 * with TSMPI_TRANSPORT=zmq the same program runs on point-to-point messages. Results are the
 * same; the statistics show where the bytes went, and nothing is left behind.
 */
import { describe, it } from 'vitest';
import { loadShmNative } from '../../src/comm/transport/shm-native.js';
import { fixture, kTransports, leftoverJobDirs, onTransport, runMpi, tempDir } from '../helpers/run-mpi.js';

const shm = loadShmNative();

/** The largest "bytes sent" of the --stats table. */
function busiestSender(stderr: string): number {
  const rows = stderr.split('\n').filter((l) => /^\d+\s+\d+\s+\d+\s+\d+\s+\d+/.test(l));
  return Math.max(...rows.map((l) => Number(l.trim().split(/\s+/)[3])));
}

describe.concurrent.each(kTransports)('large collectives on one host, transport %s', (transport) => {
  // np=3 with payloads of two chunks of host memory.
  it.for([
    [1, 1],
    [2, 1],
    [3, 2],
    [5, 1],
  ])('np=%i, %i chunk(s): bcast and allreduce of large arrays, any root, a split, back-to-back calls', async ([n, chunks], { expect, onTestFinished }) => {
    const tmp = await tempDir(onTestFinished);
    const r = await runMpi([...onTransport(transport), '--stats', '-x', `CHUNKS=${chunks}`, '-n', String(n), fixture('host-collectives.ts')], {
      env: { TMPDIR: tmp },
    });
    expect(r.stdout + r.stderr).toContain(`host-collectives ok ${n}`);
    expect(r.code).toBe(0);
    const viaMemory = transport === 'auto' && shm.available && n > 1;
    expect(r.stdout).toContain(viaMemory ? 'host-memory' : n === 1 ? `ok 1` : 'messages');
    // Through host memory only notices and barriers travel as messages.
    if (viaMemory) expect(busiestSender(r.stderr)).toBeLessThan(1024 * 1024);
    else if (n > 1) expect(busiestSender(r.stderr)).toBeGreaterThan(1024 * 1024);
    expect(await leftoverJobDirs(tmp)).toEqual([]);
  });

  it('forced TSMPI_COLL_BCAST/ALLREDUCE=shared-memory: used where the ranks share a host, the automatic choice elsewhere', async ({ expect }) => {
    const r = await runMpi([
      ...onTransport(transport),
      '-x',
      'TSMPI_COLL_BCAST=shared-memory',
      '-x',
      'TSMPI_COLL_ALLREDUCE=shared-memory',
      '-n',
      '4',
      fixture('collectives.ts'),
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
