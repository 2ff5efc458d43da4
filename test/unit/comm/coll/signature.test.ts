import { describe, expect, it } from 'vitest';
import { mismatchError } from '../../../../src/comm/coll/guard.js';
import { collSignature, countsFingerprint, describeCall, kNone, sameCall } from '../../../../src/comm/coll/signature.js';
import { MpiError } from '../../../../src/comm/errors.js';
import { decodeEnvelope, encodeEnvelope, envelopeProblem, kHeaderFixedBytes, kStampBytes } from '../../../../src/comm/p2p/envelope.js';

describe('collective signatures', () => {
  it('pack kind, root and typed-array facts into a stamp', () => {
    expect(collSignature('barrier')).toEqual({ code: 1, a: kNone, b: kNone });
    expect(collSignature('bcast', 3)).toEqual({ code: 2, a: 3, b: kNone });
    expect(collSignature('allreduce', -1, 7)).toEqual({ code: 8, a: kNone, b: kNone });
    expect(collSignature('allreduce', -1, new Float64Array(3))).toEqual({ code: 8 | (9 << 4), a: kNone, b: 3 });
    expect(collSignature('reduce', 2, new Int32Array(5))).toEqual({ code: 7 | (6 << 4), a: 2, b: 5 });
    // a Buffer reduces like the Uint8Array it is; a DataView is not a typed array
    expect(collSignature('scan', -1, Buffer.alloc(4))).toEqual(collSignature('scan', -1, new Uint8Array(4)));
    expect(collSignature('scan', -1, new DataView(new ArrayBuffer(4)))).toEqual(collSignature('scan'));
  });

  it('agree on the same call, differ on kind, root, element type or length', () => {
    const f3 = collSignature('allreduce', -1, new Float64Array(3));
    expect(sameCall(collSignature('bcast', 0), collSignature('bcast', 0))).toBe(true);
    expect(sameCall(f3, collSignature('allreduce', -1, new Float64Array(3)))).toBe(true);
    expect(sameCall(collSignature('bcast', 0), collSignature('gather', 0))).toBe(false);
    expect(sameCall(collSignature('bcast', 0), collSignature('bcast', 1))).toBe(false);
    expect(sameCall(collSignature('barrier'), collSignature('bcast', 0))).toBe(false);
    expect(sameCall(f3, collSignature('allreduce', -1, new Float64Array(4)))).toBe(false);
    expect(sameCall(f3, collSignature('allreduce', -1, new Float32Array(3)))).toBe(false);
    expect(sameCall(f3, collSignature('reduce', 0, new Float64Array(3)))).toBe(false);
    expect(sameCall(collSignature('split'), collSignature('dup'))).toBe(false);
    expect(sameCall(collSignature('allgather'), collSignature('dup'))).toBe(false);
    // a typed array against another operand is the op's TypeError to raise, not a mismatch
    expect(sameCall(f3, collSignature('allreduce', -1, 'text'))).toBe(true);
    expect(sameCall(collSignature('allreduce', -1, {}), f3)).toBe(true);
  });

  it('extended kinds: the variable-size collectives and reduce-scatter', () => {
    const f = new Float64Array(6);
    const fp = countsFingerprint([2, 2, 2]);
    expect(describeCall(collSignature('gatherv', 2, f, false))).toBe('gatherv(Float64Array, root=2)');
    expect(describeCall(collSignature('scatterv', 0))).toBe('scatterv(root=0)');
    expect(describeCall(collSignature('alltoallv', -1, new Int32Array(3), false))).toBe('alltoallv(Int32Array)');
    expect(describeCall(collSignature('reduceScatterBlock', -1, f))).toBe('reduceScatterBlock(Float64Array of length 6)');
    expect(describeCall(collSignature('reduceScatter', -1, f, true, fp))).toBe(
      `reduceScatter(Float64Array of length 6, counts #${fp.toString(16).padStart(6, '0')})`,
    );
    // lengths of v-collectives may differ; element types may not
    expect(sameCall(collSignature('alltoallv', -1, f, false), collSignature('alltoallv', -1, new Float64Array(2), false))).toBe(true);
    expect(sameCall(collSignature('alltoallv', -1, f, false), collSignature('alltoallv', -1, new Float32Array(6), false))).toBe(false);
    expect(sameCall(collSignature('alltoallv', -1, f, false), collSignature('allgatherv', -1, f, false))).toBe(false);
    expect(sameCall(collSignature('gatherv', 0, f, false), collSignature('gatherv', 1, f, false))).toBe(false);
    expect(sameCall(collSignature('gatherv', 0, f, false), collSignature('gather', 0))).toBe(false);
    // the scatterv root's element type against non-roots that pass nothing
    expect(sameCall(collSignature('scatterv', 1, f, false), collSignature('scatterv', 1))).toBe(true);
    // reduceScatter: counts must agree; unreadable counts (that rank's own error) agree with any
    expect(sameCall(collSignature('reduceScatter', -1, f, true, fp), collSignature('reduceScatter', -1, f, true, countsFingerprint([1, 2, 3])))).toBe(false);
    expect(sameCall(collSignature('reduceScatter', -1, f, true, fp), collSignature('reduceScatter', -1, f))).toBe(true);
    expect(sameCall(collSignature('reduceScatter', -1, f, true, fp), collSignature('reduceScatterBlock', -1, f))).toBe(false);
    expect(
      new Set(
        [
          [1, 2, 3],
          [3, 2, 1],
          [2, 2, 2],
          [6, 0, 0],
          [0, 6, 0],
        ].map(countsFingerprint),
      ).size,
    ).toBe(5);
  });

  it('read as calls', () => {
    expect(describeCall(collSignature('barrier'))).toBe('barrier()');
    expect(describeCall(collSignature('bcast', 0))).toBe('bcast(root=0)');
    expect(describeCall(collSignature('allreduce', -1, 1))).toBe('allreduce()');
    expect(describeCall(collSignature('allreduce', -1, new Float64Array(3)))).toBe('allreduce(Float64Array of length 3)');
    expect(describeCall(collSignature('reduce', 4, new BigInt64Array(2)))).toBe('reduce(BigInt64Array of length 2, root=4)');
    expect(describeCall(collSignature('dup'))).toBe('dup()');
  });

  it('name both sides, the higher rank first, the call counted from 1 and the communicator', () => {
    const gather = { rank: 1, stamp: collSignature('gather', 0) };
    const bcast = { rank: 0, stamp: collSignature('bcast', 0) };
    const expected = 'rank 1 called gather(root=0) where rank 0 called bcast(root=0), collective #4 on COMM_WORLD';
    for (const e of [mismatchError(3, 'COMM_WORLD', gather, bcast), mismatchError(3, 'COMM_WORLD', bcast, gather)]) {
      expect(e).toBeInstanceOf(MpiError);
      expect(e.code).toBe('ERR_MISMATCH');
      expect(e.message).toBe(expected);
    }
    const a = { rank: 2, stamp: collSignature('allreduce', -1, new Float64Array(4)) };
    const b = { rank: 3, stamp: collSignature('allreduce', -1, new Float64Array(3)) };
    expect(mismatchError(0, 'a dup of COMM_WORLD', a, b).message).toBe(
      'rank 3 called allreduce(Float64Array of length 3) where rank 2 called allreduce(Float64Array of length 4), collective #1 on a dup of COMM_WORLD',
    );
  });
});

describe('envelope stamp', () => {
  it('adds 8 bytes only to stamped headers and round-trips', () => {
    const stamp = collSignature('reduce', 2 ** 32 - 2, new Float64Array(7));
    const e = { kind: 1, flags: 0, ctx: 5, src: 3, tag: 2 ** 31 - 1, seq: 9, codes: [11, 254], stamp };
    const b = encodeEnvelope(e);
    expect(b.length).toBe(kHeaderFixedBytes + kStampBytes + 2);
    expect(envelopeProblem(b, 2)).toBeUndefined();
    expect(decodeEnvelope(b)).toEqual(e);
    expect(encodeEnvelope({ ...e, stamp: undefined }).length).toBe(kHeaderFixedBytes + 2);
    expect(decodeEnvelope(encodeEnvelope({ ...e, stamp: undefined })).stamp).toBeUndefined();
  });

  it('rejects a stamped header without its stamp bytes', () => {
    const b = encodeEnvelope({ ctx: 1, src: 0, tag: 0, seq: 0, codes: [0], stamp: collSignature('barrier') });
    expect(envelopeProblem(b.subarray(0, kHeaderFixedBytes + 1), 1)).toBe('header announces 1 packets and a stamp but is 21 bytes long');
  });
});
