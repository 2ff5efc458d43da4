// Collective mismatch through the real launcher: every rank catches ERR_MISMATCH and the job ends.
import { describe, expect, it } from 'vitest';
import { fixture, runMpi } from '../helpers/run-mpi.js';

// KNOWN BUG (open in issue 4): at np >= 4 under load, about 1 job in 10-25 leaves one rank
// waiting: a rank that detects the mismatch before sending its part tells the others with a
// notice and may end its program at once; that notice is sometimes not delivered (ZeroMQ at
// exit), and the rank relying on it waits forever. np=2 has no such rank (0 of 24 runs failed).
// Re-enable 4 and 5 once notices are delivered before a rank ends.
const kReliableSizes = [2];
const kKnownRaceSizes = [4, 5];

describe.concurrent('collective mismatch over ZeroMQ', () => {
  it.skip.each(kKnownRaceSizes)('(known race, see above) every rank catches it, np=%i', async (n) => {
    const r = await runMpi(['-n', String(n), fixture('coll-mismatch.ts')], { killAfterMs: 30_000 });
    expect(r.code).toBe(0);
  });

  it.each(kReliableSizes)('rank 1 gathers while the others bcast: every rank catches it, np=%i', async (n) => {
    // A hang would be SIGKILLed (code null). Alone the job takes as long as hello.ts (start-up);
    // no tighter bound is asserted because a loaded test machine stretches start-up many times.
    const r = await runMpi(['-n', String(n), fixture('coll-mismatch.ts')], { killAfterMs: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const expected = 'caught ERR_MISMATCH: rank 1 called gather(root=0) where rank 0 called bcast(root=0), collective #2 on COMM_WORLD';
    for (let rank = 0; rank < n; rank++) expect(r.stdout).toContain(`rank ${rank} ${expected}`);
  });
});
