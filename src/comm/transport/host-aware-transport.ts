/**
 * The transport a rank uses: shared memory to the ranks of its own host, ZeroMQ to the others
 * (Open MPI's sm and tcp BTLs side by side; the messaging engine above sees one Transport).
 *
 * Every ordered pair of ranks uses exactly one of the two, so each pair keeps one FIFO pipe
 * and MPI's order per pair. Both ends of a pair decide alike from the same directory: a host's
 * ranks use shared memory when every one of them advertises a segment (`shm://` endpoint) and
 * their count is the number of rings each segment was made with; otherwise all of them talk
 * over ZeroMQ, as with TSMPI_TRANSPORT=zmq.
 */
import type { HostMemory } from '../host-memory.js';
import { kShmScheme, type ShmTransport } from './shm-transport.js';
import type { MessageHandler, Transport } from './transport.js';
import type { ZmqTransport } from './zmq-transport.js';

export class HostAwareTransport implements Transport {
  readonly #rank: number;
  readonly #zmq: ZmqTransport;
  readonly #shm: ShmTransport | undefined;
  #viaShm: boolean[] = [];
  /** Per COMM_WORLD rank: its host's name, and whether that host's ranks all advertise a segment. */
  #hostOf: readonly string[] = [];
  readonly #shmHosts = new Set<string>();
  /** Whether some peer is reached over ZeroMQ (its reader need not poll otherwise). */
  #anyZmq = true;

  constructor(rank: number, zmq: ZmqTransport, shm: ShmTransport | undefined) {
    this.#rank = rank;
    this.#zmq = zmq;
    this.#shm = shm;
  }

  get endpoint(): string {
    return this.#shm === undefined ? this.#zmq.endpoint : `${this.#zmq.endpoint} ${this.#shm.endpoint}`;
  }

  setDirectory(endpoints: readonly string[], hosts: readonly string[] = []): void {
    this.#zmq.setDirectory(endpoints, hosts);
    this.#viaShm = new Array<boolean>(endpoints.length).fill(false);
    const local = sameHost(this.#rank, hosts, endpoints.length);
    const segments = local.map((r) => segmentOf(endpoints[r]));
    const shm = this.#shm;
    if (shm !== undefined && local.length > 1 && local.length === shm.slots && segments.every((s) => s !== undefined)) {
      shm.setPeers(this.#rank, local, segments);
      for (const r of local) this.#viaShm[r] = r !== this.#rank;
    }
    this.#anyZmq = this.#viaShm.some((shm, r) => !shm && r !== this.#rank);
    // Every rank computes the same from the same directory, for every host.
    this.#hostOf = hosts.length === endpoints.length ? hosts : new Array<string>(endpoints.length).fill('');
    const unshared = new Set<string>();
    this.#hostOf.forEach((h, r) => (segmentOf(endpoints[r]) === undefined ? unshared.add(h) : this.#shmHosts.add(h)));
    for (const h of unshared) this.#shmHosts.delete(h);
  }

  /**
   * The host of each rank of `group` (COMM_WORLD ranks) as an index in order of first
   * appearance, when the group spans hosts and the ranks of each host exchange through shared
   * memory; the same answer on every rank.
   */
  hostLayout(group: readonly number[]): number[] | undefined {
    const names = group.map((r) => this.#hostOf[r]);
    const index = new Map<string, number>();
    const layout = names.map((h) => index.get(h) ?? (index.set(h, index.size), index.size - 1));
    if (index.size < 2 || index.size === group.length) return undefined;
    // A host with one rank of the group needs no shared memory (nor has it, alone in the job).
    const counts = new Map<string, number>();
    for (const h of names) counts.set(h, (counts.get(h) ?? 0) + 1);
    return [...counts].every(([h, n]) => n < 2 || this.#shmHosts.has(h)) ? layout : undefined;
  }

  send(peer: number, frames: Buffer[]): Promise<void> {
    return this.#viaShm[peer] ? this.#shm!.send(peer, frames) : this.#zmq.send(peer, frames);
  }

  /** Shared memory copies into the ring before `send` resolves; ZeroMQ may still read the frames after. */
  copiesBeforeResolving(peer: number): boolean {
    return this.#viaShm[peer] === true;
  }

  hostMemory(group: readonly number[], name: string): HostMemory | undefined {
    if (group.length < 2 || !group.every((r) => r === this.#rank || this.#viaShm[r] === true)) return undefined;
    return this.#shm?.hostMemory(group, name);
  }

  recycle(peer: number, frames: readonly Buffer[]): void {
    if (this.#viaShm[peer] === true) this.#shm!.recycle(peer, frames);
  }

  onMessage(handler: MessageHandler): void {
    this.#zmq.onMessage(handler);
    this.#shm?.onMessage(handler);
  }

  setActive(active: boolean): void {
    if (this.#anyZmq || !active) this.#zmq.setActive(active);
    this.#shm?.setActive(active);
  }

  async close(): Promise<void> {
    await Promise.all([this.#zmq.close(), this.#shm?.close()]);
  }
}

/** The ranks on `rank`'s host, in rank order (all of them when hosts are not known). */
function sameHost(rank: number, hosts: readonly string[], size: number): number[] {
  const all = Array.from({ length: size }, (_, r) => r);
  if (hosts.length !== size) return all;
  return all.filter((r) => hosts[r] === hosts[rank]);
}

function segmentOf(endpoints: string | undefined): string | undefined {
  const e = endpoints?.split(' ').find((x) => x.startsWith(kShmScheme));
  return e?.slice(kShmScheme.length);
}
