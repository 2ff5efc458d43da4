// What a quick and a full run measure, and the tsmpi variants measured side by side.
import { kAlgorithms as kSelectable } from '../../src/comm/coll/select.js';
import { kDefaultProtocol, type Protocol } from './protocol.js';
import { KiB, MiB } from './stats.js';

/**
 * One way of running tsmpi, given to the ranks through their environment. Every tsmpi figure
 * is measured once per variant in the same run. A transport added later is one more entry;
 * `partial` variants measure only what the headline table needs.
 */
export interface Variant {
  id: string;
  label: string;
  env: Record<string, string>;
  partial?: boolean;
}

export const kVariants: Variant[] = [
  // "auto": shared memory between ranks of one host when available, else ZeroMQ.
  { id: 'shm', label: 'shm (auto)', env: { TSMPI_TRANSPORT: 'auto' } },
  { id: 'zmq', label: 'zmq', env: { TSMPI_TRANSPORT: 'zmq' } },
  // ZeroMQ without CURVE: what encryption costs on the ZeroMQ path.
  { id: 'zmq-plain', label: 'zmq, CURVE off', env: { TSMPI_TRANSPORT: 'zmq', TSMPI_ENCRYPTION: 'off' }, partial: true },
];

export interface BenchConfig {
  mode: 'quick' | 'full';
  protocol: Protocol;
  /** Launches of each program (tsmpi's and the references' alike); the repetitions of all of them make a figure. */
  launches: number;
  /** Point-to-point sizes (ping-pong and streaming; references too). */
  sizes: number[];
  /** Objects above this size are measured in full mode only (16 MiB takes tens of seconds). */
  objectMax: number;
  collSizes: number[];
  nps: number[];
  /** Collectives measured above 1 MiB, by np. */
  large: (np: number) => string[];
  /** Sizes of collectives at np (np=16 stops at 4 MiB). */
  collSizesAt: (np: number) => number[];
  /** -n of the start-up jobs, with how many launches each; node24: also tsmpirun on Node 24 when there is one. */
  startup: { n: number; launches: number; reference: boolean; node24?: boolean }[];
  memIters: number;
  /** Float64 elements per call of the allocation step (bench/programs/alloc-per-iteration.ts), one launch each. */
  allocElements: number[];
  /** Every algorithm forced, per collective (--forced: a tuning sweep, about half an hour more in full mode). */
  forced: Record<string, readonly string[]>;
}

// Every algorithm the selector can pick (scan and exscan are not benchmarked).
const kAlgorithms: Record<string, readonly string[]> = Object.fromEntries(Object.entries(kSelectable).filter(([c]) => c !== 'scan' && c !== 'exscan'));
export const kColls = Object.keys(kAlgorithms);

export function config(full: boolean, forced = false): BenchConfig {
  if (full) {
    const sizes = [8, 64, 512, 4 * KiB, 32 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 16 * MiB];
    return {
      mode: 'full',
      protocol: { ...kDefaultProtocol, reps: 5, targetMs: 100 },
      launches: 1,
      sizes,
      objectMax: Infinity,
      collSizes: sizes,
      nps: [2, 4, 8, 16],
      large: () => kColls,
      collSizesAt: (np) => (np >= 16 ? sizes.filter((s) => s <= 4 * MiB) : sizes),
      startup: [
        { n: 1, launches: 3, reference: true },
        { n: 4, launches: 3, reference: true, node24: true },
        { n: 16, launches: 3, reference: true, node24: true },
        { n: 64, launches: 3, reference: true },
      ],
      memIters: 10000,
      allocElements: [8, 1024, 16384, 65536],
      forced: forced ? kAlgorithms : {},
    };
  }
  const sizes = [8, 1 * KiB, 64 * KiB, 1 * MiB, 16 * MiB];
  return {
    mode: 'quick',
    protocol: { ...kDefaultProtocol },
    launches: 1,
    sizes,
    objectMax: 1 * MiB,
    collSizes: sizes,
    nps: [2, 4, 8],
    // 16 MiB only where a target needs it: bcast and allreduce at np=4.
    large: (np) => (np === 4 ? ['bcast', 'allreduce'] : []),
    collSizesAt: () => sizes,
    // -n 4 and -n 16 against mpirun (issue 14), also on Node 24; np=64 once per variant (about
    // 25 s each), its mpirun reference (about 40 s) in full mode only.
    startup: [
      { n: 1, launches: 3, reference: true },
      { n: 4, launches: 3, reference: true, node24: true },
      { n: 16, launches: 3, reference: true, node24: true },
      { n: 64, launches: 1, reference: false },
    ],
    memIters: 10000,
    allocElements: [8, 1024, 16384, 65536],
    forced: forced ? kAlgorithms : {},
  };
}
