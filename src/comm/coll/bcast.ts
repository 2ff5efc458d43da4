/**
 * Bcast: the root's packet (encoded once) reaches every rank; ranks forward it without decoding
 * and each decodes its own copy afterwards. An error packet (the root's value could not be
 * encoded) travels the same way, so every rank raises.
 *
 * bcastBinomial — ⌈log2 N⌉ rounds down the binomial tree rooted at `root`, each rank sending
 *   to its children largest subtree first. The root sends the whole payload ⌈log2 N⌉ times.
 *   N = 5, root 0: round 1: 0→2; round 2: 0→4, 2→3; round 3: 0→1
 *
 * bcastScatterAllgather — for large payloads: the root cuts the packet's bytes into N chunks
 *   and scatters them down the binomial tree (each child gets its subtree's chunks in one
 *   message, behind a small header), then a ring allgather of the chunks puts the whole packet
 *   on every rank: ⌈log2 N⌉ + N-1 rounds but only ~2·bytes through each rank instead of
 *   ⌈log2 N⌉·bytes through the root. Every rank but the root joins the chunks (one copy).
 *   N = 4, root 0, chunks c0..c3: 0→2 [h c2 c3], 0→1 [h c1]; 2→3 [h c3]; ring of c0..c3.
 *
 * Non-roots of both follow the message they get from their tree parent: a plain message means
 *   binomial, a header means scatter-allgather. So the root alone may pick by payload size and
 *   no rank needs to know the size in advance.
 *
 * bcastLinear — the root sends the packet to every rank directly: N-1 messages from the root,
 *   one round. Only for forcing.
 */
import type { Packet } from '../serialization/packet.js';
import { isErrorPacket } from '../serialization/codec.js';
import type { CollChannel } from './channel.js';
import { allgatherRing } from './allgather.js';
import { controlPacket, isControlPacket, readControl } from './fault.js';
import { type BinomialTree, binomialTree, fromVrank } from './topo.js';

interface SplitHeader { code: number; length: number }

/** `packet` is the root's (already encoded) value and ignored elsewhere. */
export async function bcastBinomial(ch: CollChannel, packet: Packet | undefined, root: number): Promise<Packet> {
  const tree = binomialTree(ch.rank, ch.size, root);
  if (ch.rank !== root) return follow(ch, tree, root);
  await Promise.all(tree.children.map((c) => ch.send(c, [packet!])));
  return packet!;
}

export async function bcastScatterAllgather(ch: CollChannel, packet: Packet | undefined, root: number): Promise<Packet> {
  const { rank, size } = ch;
  const tree = binomialTree(rank, size, root);
  if (rank !== root) return follow(ch, tree, root);
  if (isErrorPacket(packet!) || size === 1) return bcastBinomial(ch, packet, root);
  const { bytes } = packet!;
  const header = controlPacket({ code: packet!.code, length: bytes.length } satisfies SplitHeader);
  const chunks = Array.from({ length: size }, (_, v) => ({
    code: packet!.code,
    bytes: bytes.subarray(chunkStart(v, bytes.length, size), chunkStart(v + 1, bytes.length, size)),
  }));
  // Scatter messages are sent before any allgather message, so per-pair order keeps them apart.
  const scattered = sendSubtrees(ch, tree, [header, ...chunks], 0);
  await Promise.all([scattered, allgatherRing(ch, chunks[0])]);
  return packet!;
}

export async function bcastLinear(ch: CollChannel, packet: Packet | undefined, root: number): Promise<Packet> {
  if (ch.rank !== root) return (await ch.recv(root))[0];
  await Promise.all(Array.from({ length: ch.size }, (_, r) => (r === root ? undefined : ch.send(r, [packet!]))));
  return packet!;
}

/** Byte offset where chunk v of a `length`-byte payload starts when cut into `size` chunks. */
function chunkStart(v: number, length: number, size: number): number {
  return Math.floor((v * length) / size);
}

/** A non-root's part: forward what the parent sent, and join the chunks if it was split. */
async function follow(ch: CollChannel, tree: BinomialTree, root: number): Promise<Packet> {
  const msg = await ch.recv(tree.parent);
  if (!isControlPacket(msg[0])) {
    await Promise.all(tree.children.map((c) => ch.send(c, msg)));
    return msg[0];
  }
  // msg = [header, chunk of vrank, chunk of vrank+1, ... chunk of the subtree's last vrank]
  const header = readControl<SplitHeader>(msg[0]);
  const scattered = sendSubtrees(ch, tree, msg, tree.vrank);
  const [, byRank] = await Promise.all([scattered, allgatherRing(ch, msg[1])]);
  const parts = Array.from({ length: ch.size }, (_, v) => byRank[fromVrank(v, ch.size, root)].bytes);
  return { code: header.code, bytes: Buffer.concat(parts, header.length) };
}

/** Sends each child [header, chunks of its subtree]; `msg` = [header, chunks from vrank `first`]. */
function sendSubtrees(ch: CollChannel, tree: BinomialTree, msg: readonly Packet[], first: number): Promise<unknown> {
  return Promise.all(tree.children.map((c, i) => {
    const from = 1 + tree.childVranks[i] - first;
    return ch.send(c, [msg[0], ...msg.slice(from, from + tree.childSizes[i])]);
  }));
}
