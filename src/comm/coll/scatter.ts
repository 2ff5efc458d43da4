/**
 * Scatter: the root holds one packet per rank (encoded once, item by item) and each rank gets
 * its own. When the root's data is unusable it holds a single error packet instead, which goes
 * to every rank so that every rank raises an error naming the root's mistake.
 *
 * scatterBinomial — ⌈log2 N⌉ rounds down the binomial tree. A subtree is a contiguous vrank
 *   range, so a rank sends each child the packets of the child's whole subtree in ONE message
 *   and keeps the first for itself. Packets are forwarded, never decoded on the way.
 *   N = 5, root 0:  0→2 [p2 p3]  0→4 [p4]  0→1 [p1]; then 2→3 [p3]
 *
 * scatterLinear — the root sends each rank its packet directly: N-1 messages from the root.
 *   Only for forcing.
 */
import { isErrorPacket } from '../serialization/codec.js';
import type { Packet } from '../serialization/packet.js';
import type { CollChannel } from './channel.js';
import { binomialTree, fromVrank } from './topo.js';

/** `items` (root only): `size` packets in rank order, or one error packet for everyone. */
export async function scatterBinomial(ch: CollChannel, items: readonly Packet[] | undefined, root: number): Promise<Packet> {
  const { rank, size } = ch;
  const tree = binomialTree(rank, size, root);
  let mine: readonly Packet[];
  if (rank !== root) mine = await ch.recv(tree.parent);
  else if (root === 0 || items!.length !== size) mine = items!;
  else mine = Array.from({ length: size }, (_, v) => items![fromVrank(v, size, root)]);
  // `mine` holds vranks [vrank, vrank + subtree), or a lone error packet meant for the subtree.
  const failed = mine.length === 1 && isErrorPacket(mine[0]);
  await Promise.all(
    tree.children.map((c, i) => {
      const from = tree.childVranks[i] - tree.vrank;
      return ch.send(c, failed ? mine : mine.slice(from, from + tree.childSizes[i]));
    }),
  );
  return mine[0];
}

export async function scatterLinear(ch: CollChannel, items: readonly Packet[] | undefined, root: number): Promise<Packet> {
  const { rank, size } = ch;
  if (rank !== root) return (await ch.recv(root))[0];
  const failed = items!.length !== size;
  await Promise.all(Array.from({ length: size }, (_, r) => (r === root ? Promise.resolve() : ch.send(r, [failed ? items![0] : items![r]]))));
  return failed ? items![0] : items![root];
}
