// Shared helpers of the benchmark rank programs: argument parsing, collective-safe timing
// (every rank runs the same number of iterations, decided from an allreduce) following the
// protocol of bench/lib/protocol.ts (read from the BENCH_* environment that bench/run.ts
// sets), and the one JSON line a program prints on rank 0 for bench/run.ts to parse.
import { COMM_WORLD as comm, MAX, wtime } from 'tsmpi';
import { callsPerRep, protocolFromEnv, warmCalls } from '../lib/protocol.js';

export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}

/** The environment's protocol; --reps and --target-ms override it (as bench/trace-overhead.ts passes them). */
export const protocol = {
  ...protocolFromEnv(),
  ...(arg('reps', '') !== '' ? { reps: Number(arg('reps', '')) } : {}),
  ...(arg('target-ms', '') !== '' ? { targetMs: Number(arg('target-ms', '')) } : {}),
};
/** A comma-separated list; "none" is the empty list (an empty argument is easy to lose in a shell). */
export const list = (name: string, fallback: string): string[] =>
  arg(name, fallback)
    .split(',')
    .filter((s) => s !== '' && s !== 'none');
export const numbers = (name: string, fallback: string): number[] => list(name, fallback).map(Number);

/** Largest time any rank took, the same on every rank. */
export async function slowest(seconds: number): Promise<number> {
  return (await comm.allreduce(seconds, MAX)) as number;
}

/**
 * Seconds per call of `body`, one figure per repetition, after the protocol's warm-up for a case
 * moving `bytesPerCall` bytes per call. Every rank must call it with the same arguments.
 */
export async function repeat(body: () => Promise<unknown>, bytesPerCall: number): Promise<number[]> {
  await comm.barrier();
  const warm = warmCalls(protocol, bytesPerCall);
  let t = wtime();
  for (let i = 0; i < warm; i++) await body();
  const calls = callsPerRep(protocol, (await slowest(wtime() - t)) / warm);
  const out: number[] = [];
  for (let r = 0; r < protocol.reps; r++) {
    await comm.barrier();
    t = wtime();
    for (let i = 0; i < calls; i++) await body();
    out.push(await slowest((wtime() - t) / calls));
  }
  return out;
}

export function emit(record: object): void {
  if (comm.rank === 0) console.log(`BENCH ${JSON.stringify(record)}`);
}
