/**
 * Alltoall: rank i holds one packet per destination and packet j goes to rank j; each rank ends
 * with one packet per source, indexed by source rank. A rank whose data was unusable sends an
 * error packet to everyone in place of its items, so every rank hears of it.
 *
 * alltoallPairwise — N-1 steps; in step s rank r sends to r+s and receives from r-s (mod N),
 *   so each step is a perfect matching and each rank has one message in and one out at a time.
 *   Bandwidth-optimal: every item crosses one link exactly once. The automatic choice.
 *   N = 4, step 1: 0→1 1→2 2→3 3→0; step 2: 0→2 1→3 2→0 3→1; step 3: 0→3 1→0 2→1 3→2
 *
 * alltoallLinear — every rank posts all N-1 sends and N-1 receives at once and lets the
 *   transport sort it out. Only for forcing.
 */
import type { Packet } from '../serialization/packet.js';
import type { CollChannel } from './channel.js';
import { pairwise } from './topo.js';

export async function alltoallPairwise(ch: CollChannel, items: readonly Packet[]): Promise<Packet[]> {
  const out = new Array<Packet>(ch.size);
  out[ch.rank] = items[ch.rank];
  for (const { to, from } of pairwise(ch.rank, ch.size)) {
    const [, got] = await Promise.all([ch.send(to, [items[to]]), ch.recv(from)]);
    out[from] = got[0];
  }
  return out;
}

export async function alltoallLinear(ch: CollChannel, items: readonly Packet[]): Promise<Packet[]> {
  const { rank, size } = ch;
  const out = new Array<Packet>(size);
  out[rank] = items[rank];
  const peers = Array.from({ length: size }, (_, r) => r).filter((r) => r !== rank);
  await Promise.all([
    ...peers.map((r) => ch.send(r, [items[r]])),
    ...peers.map(async (r) => {
      out[r] = (await ch.recv(r))[0];
    }),
  ]);
  return out;
}
