// Shared helpers of the benchmark rank programs: argument parsing, collective-safe timing
// (every rank runs the same number of iterations, decided from an allreduce), and the one JSON
// line a program prints on rank 0 for bench/run.ts to parse.
import { COMM_WORLD as comm, MAX, wtime } from 'tsmpi';

export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}
export const list = (name: string, fallback: string): string[] => arg(name, fallback).split(',').filter((s) => s !== '');
export const numbers = (name: string, fallback: string): number[] => list(name, fallback).map(Number);

/** Largest time any rank took, the same on every rank. */
export async function slowest(seconds: number): Promise<number> {
  return (await comm.allreduce(seconds, MAX)) as number;
}

/**
 * Seconds per call of `body`, one figure per repetition. Calibrates on a warm-up so that each
 * repetition lasts about `targetMs` (at least one call, at most `maxIters`); every rank must call
 * it with the same arguments.
 */
export async function repeat(body: () => Promise<unknown>, reps: number, targetMs: number, warm: number, maxIters = 20000): Promise<number[]> {
  await comm.barrier();
  let t = wtime();
  for (let i = 0; i < warm; i++) await body();
  const per = (await slowest(wtime() - t)) / warm;
  const iters = Math.max(1, Math.min(maxIters, Math.round(targetMs / 1000 / Math.max(per, 1e-7))));
  const out: number[] = [];
  for (let r = 0; r < reps; r++) {
    await comm.barrier();
    t = wtime();
    for (let i = 0; i < iters; i++) await body();
    out.push(await slowest((wtime() - t) / iters));
  }
  return out;
}

export function emit(record: object): void {
  if (comm.rank === 0) console.log(`BENCH ${JSON.stringify(record)}`);
}
