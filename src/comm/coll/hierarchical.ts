/**
 * Collectives for communicators that span hosts with several ranks on some (CollHost.hostOf):
 * one step between hosts, among one leader per host, and one inside each host through its host
 * memory, as MPI implementations combine their network and shared-memory collectives.
 *
 * bcastHierarchical — leaders are the root on its host and the lowest rank on every other;
 *   the leaders run a binomial bcast, then each leader bcasts to its host (copying through host
 *   memory from kThresholds.bcastSharedBytes, else a binomial tree). Every rank follows the same
 *   structure whatever the size, so non-roots need not know it.
 *   Hosts A = {0, 1, 2}, B = {3, 4}, root 4: 4→0 between hosts; 0→1,2 on A and 4→3 on B.
 *
 * allreduceHierarchical — large typed arrays, built-in element-wise ops: after the ring's
 *   agreement pass over all ranks, each host reduces into its leader through host memory, the
 *   leaders allreduce the host results between them (ring, or recursive doubling when shorter
 *   than the leaders), and each leader bcasts the result to its host.
 *   Hosts A = {0, 1, 2}, B = {3, 4}: A reduces at 0, B at 3; 0 ↔ 3; 0→1,2 and 3→4.
 */
import type { SharedTurn } from '../host-memory.js';
import type { TypedArray } from '../ops/elementwise.js';
import type { Op } from '../ops/op.js';
import { decode, encode, isErrorPacket } from '../serialization/codec.js';
import type { Packet } from '../serialization/packet.js';
import { agreeOnShape, allreduceRecursiveDoubling, allreduceRing } from './allreduce.js';
import { reduceThroughHost } from './allreduce-shared.js';
import { bcastBinomial, bcastSharedMemory } from './bcast.js';
import type { CollChannel } from './channel.js';
import type { Fault } from './fault.js';
import { reduceBinomial } from './reduce.js';
import { kThresholds } from './select.js';

/** The ranks of each host, in rank order; hosts in the order of hostOf's indices. */
function groupsOf(hostOf: readonly number[]): number[][] {
  const groups: number[][] = [];
  hostOf.forEach((h, r) => (groups[h] ??= []).push(r));
  return groups;
}

/** `ch` seen by the ranks `members` only, renumbered 0..members.length-1 (this rank among them). */
function subChannel(ch: CollChannel, members: readonly number[]): CollChannel {
  return {
    rank: members.indexOf(ch.rank),
    size: members.length,
    send: (peer, packets) => ch.send(members[peer], packets),
    recv: (peer, capture) => ch.recv(members[peer], capture),
    sendCopies: ch.sendCopies,
  };
}

export async function bcastHierarchical(
  ch: CollChannel,
  packet: Packet | undefined,
  root: number,
  shared: SharedTurn | undefined,
  hostOf: readonly number[],
): Promise<Packet> {
  const groups = groupsOf(hostOf);
  const leaders = groups.map((g, h) => (h === hostOf[root] ? root : g[0]));
  const mine = groups[hostOf[ch.rank]];
  const leader = leaders[hostOf[ch.rank]];
  let got = packet;
  if (leader === ch.rank) got = await bcastBinomial(subChannel(ch, leaders), packet, leaders.indexOf(root));
  if (mine.length === 1) return got!;
  const local = subChannel(ch, mine);
  const localRoot = mine.indexOf(leader);
  if (leader !== ch.rank) return bcastBinomial(local, undefined, localRoot, shared);
  const viaMemory = shared !== undefined && !isErrorPacket(got!) && got!.bytes.length >= kThresholds.bcastSharedBytes;
  return (viaMemory ? bcastSharedMemory : bcastBinomial)(local, got, localRoot, shared);
}

export async function allreduceHierarchical(
  ch: CollChannel,
  value: unknown,
  op: Op,
  fault: Fault,
  shared: SharedTurn | undefined,
  hostOf: readonly number[],
): Promise<unknown> {
  const array = value as TypedArray;
  await shared?.ready;
  if (!(await agreeOnShape(ch, array, op, fault))) return fault.failed ? undefined : allreduceRecursiveDoubling(ch, value, op, fault);
  const groups = groupsOf(hostOf);
  const leaders = groups.map((g) => g[0]);
  const mine = groups[hostOf[ch.rank]];
  const local = subChannel(ch, mine);
  const isLeader = mine[0] === ch.rank;
  // 1. Each host's sum at its leader (through host memory when this host has it).
  let hostSum: unknown = array;
  if (mine.length > 1) {
    hostSum =
      shared !== undefined && op.applyInto !== undefined
        ? await reduceThroughHost(local, array, op, shared, 0)
        : await reduceBinomial(local, array, op, 0, fault);
  }
  // 2. Between hosts, among the leaders.
  let total: unknown;
  if (isLeader) {
    const between = subChannel(ch, leaders);
    total = array.length >= leaders.length ? await allreduceRing(between, hostSum, op, fault) : await allreduceRecursiveDoubling(between, hostSum, op, fault);
    if (mine.length === 1) return fault.failed ? undefined : total;
  }
  // 3. The result from each leader to its host.
  const packet = isLeader ? (fault.failed ? fault.packet : encode(total)) : undefined;
  const viaMemory = shared !== undefined && array.byteLength >= kThresholds.bcastSharedBytes;
  const got = await (isLeader && viaMemory ? bcastSharedMemory : bcastBinomial)(local, packet, 0, shared);
  if (fault.absorb([got]) || fault.failed) return undefined;
  return isLeader ? total : decode(got);
}
