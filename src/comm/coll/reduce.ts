/**
 * Reduce: the root gets op over every rank's value, applied in rank order (apply(a, b) with a
 * from lower ranks), so non-commutative ops are exact. Inputs are never modified. A rank whose
 * value or op fails sends an error packet up instead; only the root and the ranks where an
 * error arose raise (the caller decides, from the Fault).
 *
 * reduceBinomial — ⌈log2 N⌉ rounds up the binomial tree rooted at `root`, N-1 applies in all.
 *   A subtree is a contiguous vrank range, but vranks wrap around rank N-1 → 0 when root > 0;
 *   so each rank keeps two partials: `hi` for the ranks ≥ root of its range and `lo` for the
 *   ranks < root, each combined in rank order, and sends both (one message). The root finishes
 *   with apply(lo, hi). No extra hop through rank 0, any root, any op.
 *   N = 5, root 3: vranks 0 1 2 3 4 are ranks 3 4 0 1 2; hi covers ranks 3 4, lo ranks 0 1 2
 *     round 1: 4→3 [hi: v4]   1→0 [lo: v1]   2→3 [lo: v2]
 *     round 2: 0→3 [lo: v0·v1]
 *     root 3: hi = v3·v4, lo = (v0·v1)·v2, result = apply(lo, hi) = v0·v1·v2·v3·v4
 *
 * reduceLinear — every rank sends its value straight to the root, which applies in rank order:
 *   N-1 messages into the root. Only for forcing.
 */
import type { Op } from '../ops/op.js';
import { Accumulator, type AccumulatorMemory } from './accumulator.js';
import type { CollChannel } from './channel.js';
import type { Fault } from './fault.js';
import { binomialTree } from './topo.js';

/**
 * The root gets the result (undefined when failed); other ranks undefined. `memory`: the root's
 * recvbuf (`into`) and the pool for the partials of the other ranks (see Accumulator).
 */
export async function reduceBinomial(ch: CollChannel, value: unknown, op: Op, root: number, fault: Fault, memory: AccumulatorMemory = {}): Promise<unknown> {
  const { rank, size } = ch;
  const isRoot = rank === root;
  // The root's hi chain ends as the result, the caller's; everything else is working memory.
  const hiAcc = new Accumulator(op, fault, isRoot ? { into: memory.into } : { pool: memory.pool });
  const loAcc = new Accumulator(op, fault, { pool: memory.pool });
  const tree = binomialTree(rank, size, root);
  const wrap = size - root; // vranks below `wrap` are ranks root..size-1, the rest 0..root-1
  let hi: unknown;
  let lo: unknown;
  let hasLo = false;
  if (tree.vrank < wrap) hi = value;
  else [lo, hasLo] = [value, true];
  const pending = tree.children.map((c) => ch.recv(c));
  const ascending = tree.children.map((_, i) => i).sort((a, b) => tree.childVranks[a] - tree.childVranks[b]);
  for (const i of ascending) {
    const msg = await pending[i];
    if (fault.absorb(msg) || fault.failed) continue;
    const first = tree.childVranks[i];
    let k = 0;
    // A child's range starts above ours, so if it has ranks ≥ root, so do we: `hi` exists.
    if (first < wrap) {
      const part = fault.decode(msg[k++]);
      if (!fault.failed) hi = hiAcc.combine(hi, part);
    }
    if (first + tree.childSizes[i] > wrap && !fault.failed) {
      const part = fault.decode(msg[k]);
      if (!fault.failed) lo = hasLo ? loAcc.combine(lo, part) : part;
      hasLo = true;
    }
  }
  if (tree.parent >= 0) {
    const copy = !ch.sendCopies;
    await ch.send(
      tree.parent,
      fault.message(() => {
        const parts = [];
        if (tree.vrank < wrap) parts.push(fault.encode(hi, copy));
        if (hasLo) parts.push(fault.encode(lo, copy));
        return parts;
      }),
    );
    hiAcc.release();
    loAcc.release();
    return undefined;
  }
  const result = fault.failed ? undefined : hasLo ? hiAcc.combine(lo, hi) : hi;
  loAcc.release();
  return result;
}

export async function reduceLinear(ch: CollChannel, value: unknown, op: Op, root: number, fault: Fault): Promise<unknown> {
  const { rank, size } = ch;
  if (rank !== root) {
    await ch.send(
      root,
      fault.message(() => [fault.encode(value)]),
    );
    return undefined;
  }
  const got = await Promise.all(Array.from({ length: size }, (_, r) => (r === root ? Promise.resolve([]) : ch.recv(r))));
  for (const msg of got) fault.absorb(msg);
  let acc: unknown;
  for (let r = 0; r < size && !fault.failed; r++) {
    const v = r === root ? value : fault.decode(got[r][0]);
    if (!fault.failed) acc = r === 0 ? v : fault.apply(op, acc, v);
  }
  return fault.failed ? undefined : acc;
}
