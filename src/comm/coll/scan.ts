/**
 * Scan (inclusive: rank r gets v0·v1·…·vr) and exscan (exclusive: v0·…·v(r-1), nothing on
 * rank 0), applied in rank order so non-commutative ops are exact. Inputs are never modified.
 * Every rank raises when any rank fails: every rank also combines the full total on the way
 * (recursive doubling) or hears a final verdict from the last rank (linear), so an operand
 * mismatch anywhere is seen everywhere.
 *
 * scanRecursiveDoubling / exscanRecursiveDoubling — any N: the first 2·rem ranks fold in pairs
 *   (rem = N - pof2; the odd rank holds the pair's block v(r-1)·v(r)), pof2 ranks run
 *   log2(pof2) exchange rounds keeping `partial` (their group's total, sent each round) and
 *   `below` (everything from lower groups), and odd ranks send `below` back to their even
 *   partner: log2(pof2) + 2 rounds.
 *   N = 4: round 1: 0↔1, 2↔3 — below(1) = v0, below(3) = v2; partials v0·v1 and v2·v3
 *          round 2: 0↔2, 1↔3 — below(2) = v0·v1, below(3) = (v0·v1)·v2; every partial v0·…·v3
 *          scan(r) = below(r)·vr, exscan(r) = below(r)
 *   N = 3: 0→1 (1's block v0·v1); 1↔2 (below(2) = v0·v1); 1→0 [] (nothing below rank 0)
 *
 * scanLinear / exscanLinear — a chain: rank r receives v0·…·v(r-1) from r-1 and sends
 *   v0·…·vr to r+1 (rank N-1 combines the total too, for exscan only to check the operands);
 *   then rank N-1 sends every rank the verdict (empty, or the error): N-1 sequential steps
 *   plus one round of N-1 messages. Only for forcing.
 *   N = 4: 0→1 [v0], 1→2 [v0·v1], 2→3 [v0·v1·v2]; then 3→0, 3→1, 3→2 []
 */
import type { Op } from '../ops/op.js';
import type { Packet } from '../serialization/packet.js';
import type { CollChannel } from './channel.js';
import type { Fault } from './fault.js';
import { recursiveDoubling } from './topo.js';

/** Marks "no lower ranks": exscan on rank 0. */
const kNone = Symbol('none');

export function scanRecursiveDoubling(ch: CollChannel, value: unknown, op: Op, fault: Fault): Promise<unknown> {
  return prefixDoubling(ch, value, op, fault, true);
}

export function exscanRecursiveDoubling(ch: CollChannel, value: unknown, op: Op, fault: Fault): Promise<unknown> {
  return prefixDoubling(ch, value, op, fault, false);
}

export function scanLinear(ch: CollChannel, value: unknown, op: Op, fault: Fault): Promise<unknown> {
  return prefixLinear(ch, value, op, fault, true);
}

export function exscanLinear(ch: CollChannel, value: unknown, op: Op, fault: Fault): Promise<unknown> {
  return prefixLinear(ch, value, op, fault, false);
}

/** `below`·`value`, in that order, when there is anything below. */
function after(below: unknown, value: unknown, op: Op, fault: Fault): unknown {
  return below === kNone ? value : fault.apply(op, below, value);
}

function pack(v: unknown, fault: Fault): Packet[] {
  return fault.message(() => (v === kNone ? [] : [fault.encode(v)]));
}

/** A received prefix: a value, kNone for an empty message, undefined when failed. */
function unpack(msg: Packet[], fault: Fault): unknown {
  if (fault.absorb(msg) || fault.failed) return undefined;
  return msg.length === 0 ? kNone : fault.decode(msg[0]);
}

function outcome(below: unknown, value: unknown, op: Op, fault: Fault, inclusive: boolean): unknown {
  if (fault.failed) return undefined;
  if (inclusive) return after(below, value, op, fault);
  return below === kNone ? undefined : below;
}

async function prefixDoubling(ch: CollChannel, value: unknown, op: Op, fault: Fault, inclusive: boolean): Promise<unknown> {
  const s = recursiveDoubling(ch.rank, ch.size);
  if (s.fold === 'give') {
    await ch.send(s.foldPeer, pack(value, fault));
    const below = unpack(await ch.recv(s.foldPeer), fault);
    return outcome(below, value, op, fault, inclusive);
  }
  let block = value; // this exchanging rank's contiguous block of ranks
  let even: unknown;
  if (s.fold === 'take') {
    even = unpack(await ch.recv(s.foldPeer), fault);
    if (!fault.failed) block = fault.apply(op, even, value);
  }
  let partial = block;
  let below: unknown = kNone;
  for (const { peer, peerIsLower } of s.rounds) {
    const [, msg] = await Promise.all([ch.send(peer, pack(partial, fault)), ch.recv(peer)]);
    const other = unpack(msg, fault);
    if (fault.failed) continue;
    if (peerIsLower) {
      below = below === kNone ? other : fault.apply(op, other, below);
      partial = fault.apply(op, other, partial);
    } else {
      partial = fault.apply(op, partial, other);
    }
  }
  if (s.fold === 'take') {
    await ch.send(s.foldPeer, pack(below, fault));
    if (fault.failed) return undefined;
    // The pair's block is v(r-1)·vr; this rank's exclusive prefix ends at v(r-1).
    return after(below, inclusive ? block : even, op, fault);
  }
  return outcome(below, value, op, fault, inclusive);
}

async function prefixLinear(ch: CollChannel, value: unknown, op: Op, fault: Fault, inclusive: boolean): Promise<unknown> {
  const { rank, size } = ch;
  const below = rank === 0 ? kNone : unpack(await ch.recv(rank - 1), fault);
  const upTo = fault.failed ? undefined : after(below, value, op, fault);
  if (rank < size - 1) await ch.send(rank + 1, pack(upTo, fault));
  // The last rank has seen every value (and every error): it gives the verdict to all.
  if (rank === size - 1) {
    const verdict = fault.failed ? [fault.packet] : [];
    await Promise.all(Array.from({ length: rank }, (_, r) => ch.send(r, verdict)));
  } else {
    fault.absorb(await ch.recv(size - 1));
  }
  if (fault.failed) return undefined;
  return inclusive ? upTo : below === kNone ? undefined : below;
}
