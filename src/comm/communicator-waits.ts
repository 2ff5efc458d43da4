/**
 * What each communicating method of Communicator waits on, for the launcher's hang report and
 * --trace/--stats (diagnostics/waits.ts): whether it is a collective (numbered per
 * communicator, the same on every rank) and its arguments by name. Each extractor takes the
 * method's own parameters, typed from its signature and with the same defaults, so a change of
 * signature fails to compile here instead of silently misreporting.
 */
import type { Communicator } from './communicator.js';
import { ANY_SOURCE, ANY_TAG } from './constants.js';
import type { WaitTable } from './diagnostics/waits.js';

const collective = { collective: true } as const;

export const kCommunicatorWaits = {
  send: {
    collective: false,
    args: (_data, dest, tag = 0) => [
      ['dest', dest],
      ['tag', tag],
    ],
  },
  recv: {
    collective: false,
    args: (source = ANY_SOURCE, tag = ANY_TAG) => [
      ['source', source],
      ['tag', tag],
    ],
  },
  recvInto: {
    collective: false,
    args: (_buf, source = ANY_SOURCE, tag = ANY_TAG) => [
      ['source', source],
      ['tag', tag],
    ],
  },
  isend: {
    collective: false,
    args: (_data, dest, tag = 0) => [
      ['dest', dest],
      ['tag', tag],
    ],
  },
  irecv: {
    collective: false,
    args: (source = ANY_SOURCE, tag = ANY_TAG) => [
      ['source', source],
      ['tag', tag],
    ],
  },
  sendrecv: {
    collective: false,
    args: (_data, dest, sendtag = 0, source = ANY_SOURCE, recvtag = ANY_TAG) => [
      ['dest', dest],
      ['sendtag', sendtag],
      ['source', source],
      ['recvtag', recvtag],
    ],
  },
  probe: {
    collective: false,
    args: (source = ANY_SOURCE, tag = ANY_TAG) => [
      ['source', source],
      ['tag', tag],
    ],
  },
  barrier: collective,
  bcast: { collective: true, args: (_data, root = 0) => [['root', root]] },
  scatter: { collective: true, args: (_data, root = 0) => [['root', root]] },
  gather: { collective: true, args: (_data, root = 0) => [['root', root]] },
  allgather: collective,
  alltoall: collective,
  reduce: { collective: true, args: (_data, _op, root = 0) => [['root', root]] },
  allreduce: collective,
  scan: collective,
  exscan: collective,
  split: collective,
  dup: collective,
  createCart: collective,
  splitShared: collective,
  allocateShared: collective,
  // Not numbered itself: the dup and allocateShared it runs are.
  createSharedLock: { collective: false },
  scatterv: { collective: true, args: (_data, _counts, root = 0) => [['root', root]] },
  gatherv: { collective: true, args: (_data, root = 0) => [['root', root]] },
  allgatherv: collective,
  alltoallv: collective,
  reduceScatterBlock: collective,
  reduceScatter: collective,
  ibarrier: collective,
  ibcast: { collective: true, args: (_data, root = 0) => [['root', root]] },
  iscatter: { collective: true, args: (_data, root = 0) => [['root', root]] },
  igather: { collective: true, args: (_data, root = 0) => [['root', root]] },
  iallgather: collective,
  ialltoall: collective,
  ireduce: { collective: true, args: (_data, _op, root = 0) => [['root', root]] },
  iallreduce: collective,
  iscan: collective,
  iexscan: collective,
} satisfies WaitTable<Communicator>;
