import { describe, expect, it } from 'vitest';
import type { WaitInfo } from '../../../src/comm/bootstrap/protocol.js';
import { describeCall, formatHangReport, formatRanks, sanitizeWaits, type RankState } from '../../../src/launcher/hang-report.js';

const allreduce = (ageMs: number): WaitInfo => ({ op: 'allreduce', comm: 'COMM_WORLD', args: [], call: 17, ageMs, site: 'solve.ts:88' });
const recv: WaitInfo = {
  op: 'recv',
  comm: 'COMM_WORLD',
  args: [
    ['source', 0],
    ['tag', 5],
  ],
  ageMs: 5000,
  site: 'io.ts:12',
};

describe('hang report formatting', () => {
  it('groups ranks waiting on the same call, with the longest wait', () => {
    const states: RankState[] = [
      { rank: 0, kind: 'waiting', waits: [allreduce(5000)] },
      { rank: 1, kind: 'waiting', waits: [recv] },
      { rank: 2, kind: 'waiting', waits: [allreduce(4960)] },
      { rank: 3, kind: 'waiting', waits: [allreduce(4990)] },
    ];
    expect(formatHangReport(states)).toEqual([
      'ranks 0,2,3 in allreduce #17 on COMM_WORLD for 5.0 s at solve.ts:88',
      'rank 1 in recv(source=0, tag=5) on COMM_WORLD for 5.0 s at io.ts:12',
    ]);
  });

  it('keeps apart ranks waiting at different lines, peers or calls', () => {
    const states: RankState[] = [
      { rank: 0, kind: 'waiting', waits: [{ ...recv, site: 'io.ts:13' }] },
      { rank: 1, kind: 'waiting', waits: [recv] },
      {
        rank: 2,
        kind: 'waiting',
        waits: [
          {
            ...recv,
            args: [
              ['source', 1],
              ['tag', 'any'],
            ],
          },
        ],
      },
      { rank: 3, kind: 'waiting', waits: [{ ...allreduce(1000), call: 18 }] },
      { rank: 4, kind: 'waiting', waits: [allreduce(1000)] },
    ];
    expect(formatHangReport(states)).toEqual([
      'rank 0 in recv(source=0, tag=5) on COMM_WORLD for 5.0 s at io.ts:13',
      'rank 1 in recv(source=0, tag=5) on COMM_WORLD for 5.0 s at io.ts:12',
      'rank 2 in recv(source=1, tag=any) on COMM_WORLD for 5.0 s at io.ts:12',
      'rank 3 in allreduce #18 on COMM_WORLD for 1.0 s at solve.ts:88',
      'rank 4 in allreduce #17 on COMM_WORLD for 1.0 s at solve.ts:88',
    ]);
  });

  it('says which ranks are not in a tsmpi call, busy, not joined or finished', () => {
    const states: RankState[] = [
      { rank: 0, kind: 'idle' },
      { rank: 1, kind: 'finished' },
      { rank: 2, kind: 'idle' },
      { rank: 3, kind: 'busy' },
      { rank: 4, kind: 'not-joined' },
      { rank: 5, kind: 'finished' },
    ];
    expect(formatHangReport(states)).toEqual([
      'ranks 0,2 are not in a tsmpi call',
      'ranks 1,5 have finished',
      'rank 3 is not in a tsmpi call (busy: no answer within 1.0 s)',
      'rank 4 has not joined the job yet',
    ]);
    expect(
      formatHangReport([
        { rank: 4, kind: 'idle' },
        { rank: 6, kind: 'finished' },
      ]),
    ).toEqual(['rank 4 is not in a tsmpi call', 'rank 6 has finished']);
  });

  it('lists several pending calls of a rank, at most three', () => {
    const irecv = (source: number): WaitInfo => ({
      op: 'irecv',
      comm: 'a dup of COMM_WORLD',
      args: [
        ['source', source],
        ['tag', 'any'],
      ],
      ageMs: 2500,
      site: 'x.ts:3',
    });
    expect(formatHangReport([{ rank: 0, kind: 'waiting', waits: [irecv(1), irecv(2)] }])).toEqual([
      'rank 0 in irecv(source=1, tag=any) on a dup of COMM_WORLD for 2.5 s at x.ts:3, and in irecv(source=2, tag=any) on a dup of COMM_WORLD for 2.5 s at x.ts:3',
    ]);
    const five = formatHangReport([{ rank: 0, kind: 'waiting', waits: [1, 2, 3, 4, 5].map(irecv) }]);
    expect(five[0]).toMatch(/source=3.*, and 2 more$/);
    expect(five[0]).not.toContain('source=4');
  });

  it('names calls with their arguments, root and call number', () => {
    expect(describeCall({ op: 'bcast', args: [['root', 2]], call: 3 })).toBe('bcast(root=2) #3');
    expect(describeCall({ op: 'finalize', args: [] })).toBe('finalize');
    expect(
      describeCall({
        op: 'sendrecv',
        args: [
          ['dest', 1],
          ['sendtag', 0],
          ['source', 'any'],
          ['recvtag', 'any'],
        ],
      }),
    ).toBe('sendrecv(dest=1, sendtag=0, source=any, recvtag=any)');
  });

  it('writes rank lists with ranges for runs of three or more', () => {
    expect(formatRanks([3, 0, 2])).toBe('0,2,3');
    expect(formatRanks([0, 1, 2, 3, 5, 7, 8, 9])).toBe('0-3,5,7-9');
    expect(formatRanks([4])).toBe('4');
  });

  it("keeps only well-formed fields of a rank's answer", () => {
    const message = {
      type: 'waits',
      rank: 0,
      waits: [null, 7, { op: 'recv' }, { op: 'recv', comm: 'COMM_WORLD', args: [['tag', 'x'], ['source', 1], 'junk'], ageMs: -4, call: 'one', site: 42 }],
    } as unknown as Parameters<typeof sanitizeWaits>[0];
    expect(sanitizeWaits(message)).toEqual([{ op: 'recv', comm: 'COMM_WORLD', args: [['source', 1]], ageMs: 0 }]);
  });
});
