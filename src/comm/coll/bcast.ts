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
 * bcastSharedMemory — ranks on one host (the communicator has host memory): the root copies
 *   the packet's bytes into the host memory and sends a small notice down the binomial tree;
 *   each rank forwards the notice, copies the bytes out for itself, and acknowledges up the
 *   tree once its subtree has them; at the end a release comes down, so that no rank leaves
 *   (and writes the memory in its next call) while another still reads. The bytes go in pieces
 *   of kSharedPieceBytes through two alternating slots, so the others copy piece k out while
 *   the root copies piece k+1 in; the root reuses a slot once every rank acknowledged the piece
 *   before. One copy in and one copy out per rank instead of ⌈log2 N⌉ point-to-point copies
 *   through the root. The root returns its own copy of the payload (made while the others copy
 *   theirs), not its packet, which may be the caller's array.
 *
 * bcastLinear — the root sends the packet to every rank directly: N-1 messages from the root,
 *   one round. Only for forcing.
 */
import type { SharedTurn } from '../host-memory.js';
import type { Packet } from '../serialization/packet.js';
import { isErrorPacket } from '../serialization/codec.js';
import type { CollChannel } from './channel.js';
import { allgatherRing } from './allgather.js';
import { controlPacket, isControlPacket, readControl } from './fault.js';
import { type BinomialTree, binomialTree, fromVrank } from './topo.js';

interface SplitHeader {
  code: number;
  length: number;
}
/** A piece of the payload is in slot `slot` of the host memory: bytes [offset, offset + n) of `length`. */
interface SharedNotice {
  shared: 1;
  code: number;
  length: number;
  offset: number;
  n: number;
  slot: number;
}

/** A bcast's pieces through host memory (two slots of this many bytes). */
export const kSharedPieceBytes = 4 * 1024 * 1024;

/**
 * `packet` is the root's (already encoded) value and ignored elsewhere. `shared` is this call's
 * turn at the host memory, when the communicator has one (non-roots follow a root that uses it).
 */
export async function bcastBinomial(ch: CollChannel, packet: Packet | undefined, root: number, shared?: SharedTurn): Promise<Packet> {
  const tree = binomialTree(ch.rank, ch.size, root);
  if (ch.rank !== root) return follow(ch, tree, root, shared);
  await Promise.all(tree.children.map((c) => ch.send(c, [packet!])));
  return packet!;
}

export async function bcastScatterAllgather(ch: CollChannel, packet: Packet | undefined, root: number, shared?: SharedTurn): Promise<Packet> {
  const { rank, size } = ch;
  const tree = binomialTree(rank, size, root);
  if (rank !== root) return follow(ch, tree, root, shared);
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

export async function bcastSharedMemory(ch: CollChannel, packet: Packet | undefined, root: number, shared?: SharedTurn): Promise<Packet> {
  const tree = binomialTree(ch.rank, ch.size, root);
  if (ch.rank !== root) return follow(ch, tree, root, shared);
  if (shared === undefined || isErrorPacket(packet!) || ch.size === 1) return bcastBinomial(ch, packet, root, shared);
  await shared.ready;
  const { code, bytes } = packet!;
  // The root's own result is a copy too, made while the others copy theirs out.
  const own = Buffer.from(shared.allocate(bytes.length));
  const piece = Math.max(1, Math.min(bytes.length, kSharedPieceBytes));
  const memory = shared.scratch(2 * piece);
  // acks[k]: every rank below has piece k; a slot is written again only after that.
  const acks: Array<Promise<unknown>> = [];
  for (let k = 0, offset = 0; k === 0 || offset < bytes.length; k++, offset += piece) {
    const n = Math.min(piece, bytes.length - offset);
    const slot = k % 2;
    if (k >= 2) await acks[k - 2];
    memory.set(bytes.subarray(offset, offset + n), slot * piece);
    const notice = controlPacket({ shared: 1, code, length: bytes.length, offset, n, slot: slot * piece } satisfies SharedNotice);
    acks.push(Promise.all(tree.children.map((c) => ch.send(c, [notice]).then(() => ch.recv(c)))));
    own.set(bytes.subarray(offset, offset + n), offset);
  }
  await Promise.all(acks);
  await Promise.all(tree.children.map((c) => ch.send(c, [])));
  return { code, bytes: own };
}

export async function bcastLinear(ch: CollChannel, packet: Packet | undefined, root: number): Promise<Packet> {
  if (ch.rank !== root) return (await ch.recv(root))[0];
  await Promise.all(Array.from({ length: ch.size }, (_, r) => (r === root ? Promise.resolve() : ch.send(r, [packet!]))));
  return packet!;
}

/** Byte offset where chunk v of a `length`-byte payload starts when cut into `size` chunks. */
function chunkStart(v: number, length: number, size: number): number {
  return Math.floor((v * length) / size);
}

/** A non-root's part: forward what the parent sent, and join the chunks if it was split. */
async function follow(ch: CollChannel, tree: BinomialTree, root: number, shared: SharedTurn | undefined): Promise<Packet> {
  const msg = await ch.recv(tree.parent);
  if (!isControlPacket(msg[0])) {
    await Promise.all(tree.children.map((c) => ch.send(c, msg)));
    return msg[0];
  }
  const control = readControl<SplitHeader | SharedNotice>(msg[0]);
  if ('shared' in control) return followShared(ch, tree, msg[0], control, shared);
  // msg = [header, chunk of vrank, chunk of vrank+1, ... chunk of the subtree's last vrank]
  const header = control;
  const scattered = sendSubtrees(ch, tree, msg, tree.vrank);
  const [, byRank] = await Promise.all([scattered, allgatherRing(ch, msg[1])]);
  const parts = Array.from({ length: ch.size }, (_, v) => byRank[fromVrank(v, ch.size, root)].bytes);
  return { code: header.code, bytes: Buffer.concat(parts, header.length) };
}

/** A non-root's part of bcastSharedMemory, from the first notice on. */
async function followShared(ch: CollChannel, tree: BinomialTree, first: Packet, notice: SharedNotice, shared: SharedTurn | undefined): Promise<Packet> {
  if (shared === undefined) throw new Error('internal: a shared-memory bcast reached a rank without host memory');
  await shared.ready;
  const out = Buffer.from(shared.allocate(notice.length));
  let packet = first;
  for (let n = notice; ;) {
    await Promise.all(tree.children.map((c) => ch.send(c, [packet])));
    out.set(shared.scratch(n.slot + Math.max(1, n.n)).subarray(n.slot, n.slot + n.n), n.offset);
    await Promise.all(tree.children.map((c) => ch.recv(c)));
    await ch.send(tree.parent, []);
    if (n.offset + n.n >= n.length) break;
    packet = (await ch.recv(tree.parent))[0];
    n = readControl<SharedNotice>(packet);
  }
  await ch.recv(tree.parent);
  await Promise.all(tree.children.map((c) => ch.send(c, [])));
  return { code: notice.code, bytes: out };
}

/** Sends each child [header, chunks of its subtree]; `msg` = [header, chunks from vrank `first`]. */
function sendSubtrees(ch: CollChannel, tree: BinomialTree, msg: readonly Packet[], first: number): Promise<unknown> {
  return Promise.all(
    tree.children.map((c, i) => {
      const from = 1 + tree.childVranks[i] - first;
      return ch.send(c, [msg[0], ...msg.slice(from, from + tree.childSizes[i])]);
    }),
  );
}
