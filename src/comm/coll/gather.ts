/**
 * Gather: every rank contributes one packet; the root gets them all in rank order. Packets are
 * never decoded on the way: an error packet (a rank whose value could not be encoded) reaches
 * the root like data, and the root decides what to raise.
 *
 * gatherBinomial — ⌈log2 N⌉ rounds up the binomial tree. A rank waits for its children's
 *   messages, puts its own packet in front of theirs in vrank order (a subtree is a contiguous
 *   vrank range) and sends the whole subtree as ONE message to its parent. The root rotates
 *   vrank order back to rank order. Each packet crosses at most ⌈log2 N⌉ links.
 *   N = 5, root 0:  4→0 [p4]   1→0 [p1]   3→2 [p3]; then 2→0 [p2 p3]; root: p0 p1 p2 p3 p4
 *
 * gatherLinear — every rank sends its packet straight to the root, which receives N-1
 *   messages. Only for forcing.
 */
import type { Packet } from '../serialization/packet.js';
import type { CollChannel } from './channel.js';
import { binomialTree, fromVrank } from './topo.js';

export async function gatherBinomial(ch: CollChannel, own: Packet, root: number): Promise<Packet[] | undefined> {
  const { rank, size } = ch;
  const tree = binomialTree(rank, size, root);
  const got = await Promise.all(tree.children.map((c) => ch.recv(c)));
  // Children arrive largest subtree first; the subtree message must be in vrank order.
  const order = tree.childVranks.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const collected: Packet[] = [own];
  for (const [, i] of order) for (const p of got[i]) collected.push(p);
  if (tree.parent >= 0) {
    await ch.send(tree.parent, collected);
    return undefined;
  }
  if (root === 0) return collected;
  const out = new Array<Packet>(size);
  for (let v = 0; v < size; v++) out[fromVrank(v, size, root)] = collected[v];
  return out;
}

export async function gatherLinear(ch: CollChannel, own: Packet, root: number): Promise<Packet[] | undefined> {
  const { rank, size } = ch;
  if (rank !== root) {
    await ch.send(root, [own]);
    return undefined;
  }
  const out = new Array<Packet>(size);
  out[root] = own;
  await Promise.all(
    Array.from({ length: size }, async (_, r) => {
      if (r !== root) out[r] = (await ch.recv(r))[0];
    }),
  );
  return out;
}
