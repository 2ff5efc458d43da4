/**
 * Allgather: every rank contributes one packet and gets all of them, indexed by rank. Packets
 * are forwarded as they are (never decoded on the way); an error packet travels like any other,
 * so every rank sees every failure.
 *
 * allgatherBruck — ⌈log2 N⌉ rounds for any N; in round k a rank sends the first
 *   min(2^k, N - 2^k) packets it holds (its own, then those of rank+1, rank+2, ...) to
 *   rank - 2^k and appends what rank + 2^k sends. Each rank sends N-1 packets in all, like the
 *   ring, so it is both logarithmic and bandwidth-optimal. The automatic choice.
 *   N = 5, what rank 0 holds: [0] → +[1] → +[2,3] → +[4]  (rounds move 1, 2, 1 packets)
 *
 * allgatherRing — N-1 rounds; in round s rank r passes the packet of rank r-s to its right
 *   neighbour and receives that of rank r-s-1 from its left. Neighbour-only traffic.
 *   N = 4, round 0: 0→1 [p0], 1→2 [p1], 2→3 [p2], 3→0 [p3]; round 1: 0→1 [p3], 1→2 [p0], ...
 *
 * allgatherGatherBcast — binomial gather to rank 0, then binomial bcast of the N packets in
 *   one message: 2⌈log2 N⌉ rounds, but every packet crosses the root. Only for forcing.
 */
import type { Packet } from '../serialization/packet.js';
import type { CollChannel } from './channel.js';
import { gatherBinomial } from './gather.js';
import { binomialTree, bruck, ringNeighbours } from './topo.js';

export async function allgatherBruck(ch: CollChannel, own: Packet): Promise<Packet[]> {
  const { rank, size } = ch;
  // held[i] is the packet of rank (rank + i) % size.
  const held: Packet[] = [own];
  for (const { to, from, count } of bruck(rank, size)) {
    const [, got] = await Promise.all([ch.send(to, held.slice(0, count)), ch.recv(from)]);
    for (const p of got) held.push(p);
  }
  const out = new Array<Packet>(size);
  for (let i = 0; i < size; i++) out[(rank + i) % size] = held[i];
  return out;
}

export async function allgatherRing(ch: CollChannel, own: Packet): Promise<Packet[]> {
  const { rank, size } = ch;
  const { left, right } = ringNeighbours(rank, size);
  const out = new Array<Packet>(size);
  out[rank] = own;
  for (let s = 0; s < size - 1; s++) {
    const [, got] = await Promise.all([ch.send(right, [out[(rank - s + size) % size]]), ch.recv(left)]);
    out[(rank - s - 1 + size) % size] = got[0];
  }
  return out;
}

export async function allgatherGatherBcast(ch: CollChannel, own: Packet): Promise<Packet[]> {
  const gathered = await gatherBinomial(ch, own, 0);
  const tree = binomialTree(ch.rank, ch.size, 0);
  const all = gathered ?? (await ch.recv(tree.parent));
  await Promise.all(tree.children.map((c) => ch.send(c, all)));
  return all;
}
