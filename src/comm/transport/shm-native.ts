/**
 * The one file that loads the shared-memory transport's native part (native/shm.cc, built by
 * `npm ci` into build/tsmpi_shm.node) and states its rules: every call is synchronous, on the
 * JavaScript thread; a handle is used by one transport only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { kPackageRoot } from '../package-root.js';

/** An endpoint: this rank's segment and bell, and its peers' once known. */
export type ShmHandle = { readonly __brand: 'ShmHandle' };

/** A message read from a ring: sender's COMM_WORLD rank, header frame, packet frames. */
export type ShmMessage = [rank: number, header: Buffer, packets: Buffer[]];

/**
 * What one poll took: the small messages packed in one Buffer (u32 count, then per message
 * u32 rank, u32 frames and a u32 offset and length per frame into the same Buffer), then the
 * larger messages with a Buffer per frame. The packed ones come first in every ring's order.
 */
export type ShmPoll = [batch: Buffer | undefined, ...large: ShmMessage[]];

export interface ShmNative {
  readonly version: number;
  /** Creates this rank's segment (0600, sparse) with one ring of `ringBytes` per slot, and its bell FIFO. */
  create(segmentPath: string, bellPath: string, slots: number, ringBytes: number): ShmHandle;
  /** Slot i belongs to COMM_WORLD rank ranks[i], whose files are at the given paths; `slot` is this rank's. */
  setPeers(handle: ShmHandle, slot: number, ranks: number[], segmentPaths: string[], bellPaths: string[]): void;
  /**
   * Writes a message into this rank's ring at `slot`'s segment from byte `offset` of its record,
   * polling up to `spinNs` for space. True once all of it is written (or the peer has ended);
   * otherwise the offset reached: the ring is full and the peer rings this rank's bell when it
   * has made room.
   */
  write(handle: ShmHandle, slot: number, frames: Buffer[], offset: number, spinNs: number): true | number;
  /**
   * Every message that has arrived whole, polling up to `spinNs` for one (a negative budget
   * polls yielding the CPU between looks); undefined if none. `spare`: a batch Buffer of an
   * earlier poll that nothing references any more, which holds the new batch when it is large
   * enough (then the batch is `spare` itself). `spareFrames`: frame Buffers of earlier large
   * messages likewise; one of exactly a new large frame's length is filled again and replaced
   * by undefined in the array.
   */
  poll(handle: ShmHandle, spinNs: number, spare?: Buffer, spareFrames?: Array<Buffer | undefined>): ShmPoll | undefined;
  /** Asks writers to ring the bell from now on; true if something arrived meanwhile (poll first). */
  arm(handle: ShmHandle): boolean;
  /** Marks the segment closed (blocked writers give up), unmaps everything, removes this rank's files. */
  close(handle: ShmHandle): void;
  /** Binds every thread of this process to the `index`-th CPU it may use; the CPU, or -1. */
  bindToCpu(index: number): number;
  /**
   * An ArrayBuffer over the file at `path` (created 0600 if missing, grown to `bytes` if
   * shorter), mapped shared with every process mapping it; unmapped once collected.
   */
  mapShared(path: string, bytes: number): ArrayBuffer;
  /**
   * A new ArrayBuffer of `bytes` whose contents are NOT zeroed (the caller writes every byte);
   * from 4 MiB on it comes from a pool of huge-page regions (native/shm.cc, "Large buffers").
   */
  allocate(bytes: number): ArrayBuffer;
  /**
   * Gives the first `bytes` of the file at `path` memory now, so a host short of memory is an
   * error here (ENOSPC) instead of a SIGBUS at the first write to a page of the mapping.
   */
  reserve(path: string, bytes: number): void;
}

/** The native part's interface version this code needs (native/shm.cc kVersion). */
const kNativeVersion = 5;

export type ShmAvailability = { available: true; native: ShmNative; file: string } | { available: false; reason: string };

const kBuildDir = path.join(kPackageRoot, 'build');
const kAddon = path.join(kBuildDir, 'tsmpi_shm.node');

let cached: ShmAvailability | undefined;

/** Why the native part is missing, as the install recorded it. */
function notBuiltReason(): string {
  try {
    const status = JSON.parse(readFileSync(path.join(kBuildDir, 'native-status.json'), 'utf8')) as { built?: boolean; reason?: string };
    if (status.built === false && typeof status.reason === 'string') return status.reason;
  } catch {
    // no record: the install script never ran
  }
  return `the native part was not built (${kAddon} is missing; "npm rebuild tsmpi" builds it)`;
}

/**
 * Loads the native part once; never throws. TSMPI_SHM_ADDON (internal, for tests) names
 * another file, e.g. a missing one to see a machine where it could not be built.
 */
export function loadShmNative(): ShmAvailability {
  if (cached !== undefined) return cached;
  if (process.platform !== 'linux') return (cached = { available: false, reason: `shared memory needs Linux; this is ${process.platform}` });
  const addon = process.env.TSMPI_SHM_ADDON || kAddon;
  if (!existsSync(addon))
    return (cached = { available: false, reason: addon === kAddon ? notBuiltReason() : `the native part was not built (${addon} is missing)` });
  try {
    const native = createRequire(import.meta.url)(addon) as ShmNative;
    if (native.version !== kNativeVersion) {
      return (cached = {
        available: false,
        reason: `the native part ${addon} is version ${native.version}, this code needs ${kNativeVersion} ("npm rebuild tsmpi" builds it)`,
      });
    }
    return (cached = { available: true, native, file: addon });
  } catch (error) {
    return (cached = { available: false, reason: `the native part could not be loaded: ${(error as Error).message}` });
  }
}
