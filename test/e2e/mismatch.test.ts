// Collective mismatch through the real launcher: every rank catches ERR_MISMATCH and the job ends.
import { describe, expect, it } from 'vitest';
import { fixture, kTransports, onTransport, runMpi } from '../helpers/run-mpi.js';

describe.concurrent.each(kTransports)('collective mismatch over %s', (transport) => {
  it.each([2, 4, 5])('rank 1 gathers while the others bcast: every rank catches it, np=%i', async (n) => {
    // A hang would be SIGKILLed (code null). Alone the job takes as long as hello.ts (start-up);
    // no tighter bound is asserted because a loaded test machine stretches start-up many times.
    const r = await runMpi([...onTransport(transport), '-n', String(n), fixture('coll-mismatch.ts')], { killAfterMs: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const expected = 'caught ERR_MISMATCH: rank 1 called gather(root=0) where rank 0 called bcast(root=0), collective #2 on COMM_WORLD';
    for (let rank = 0; rank < n; rank++) expect(r.stdout).toContain(`rank ${rank} ${expected}`);
  });
});
