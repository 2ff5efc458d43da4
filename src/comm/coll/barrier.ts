/**
 * Barrier: no rank leaves before every rank has entered. Messages are empty.
 *
 * barrierDissemination — ⌈log2 N⌉ rounds; in round k each rank signals rank + 2^k and waits
 *   for rank - 2^k (mod N). After round k a rank has heard, directly or not, from the 2^(k+1)
 *   ranks below it, so after the last round from everyone. Works for any N, no root.
 *   N = 5, round 0: 0→1 1→2 2→3 3→4 4→0; round 1: 0→2 1→3 2→4 3→0 4→1; round 2: 0→4 1→0 ...
 *
 * barrierLinear — 2(N-1) messages through rank 0 in 2 steps, rank 0 handling N-1 in each
 *   (fan-in then fan-out). Only for forcing: rank 0 loops over every rank.
 *   N = 4: 1→0 2→0 3→0, then 0→1 0→2 0→3.
 */
import type { CollChannel } from './channel.js';
import { dissemination } from './topo.js';

export async function barrierDissemination(ch: CollChannel): Promise<void> {
  for (const { to, from } of dissemination(ch.rank, ch.size)) {
    await Promise.all([ch.send(to, []), ch.recv(from)]);
  }
}

export async function barrierLinear(ch: CollChannel): Promise<void> {
  if (ch.size === 1) return;
  if (ch.rank === 0) {
    const others = Array.from({ length: ch.size - 1 }, (_, i) => i + 1);
    await Promise.all(others.map((r) => ch.recv(r)));
    await Promise.all(others.map((r) => ch.send(r, [])));
  } else {
    await ch.send(0, []);
    await ch.recv(0);
  }
}
