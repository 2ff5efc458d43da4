// The measurement protocol every benchmark program follows — tsmpi's rank programs and the
// reference programs of bench/anchors alike — so that two figures of one run differ by the
// implementation measured and not by how it was timed. A review found the references timed
// differently (mpi4py's 16 MiB cases had no warm-up call in quick mode, and tsmpi's 16 MiB
// repetitions were a single call each); one protocol, passed to every program through the
// environment, removes that.
//
// A case (one size of one operation) runs:
//   1. warm-up: enough calls to move `warmBytes`, clamped to [warmMin, warmMax] calls. The count
//      depends only on the case, never on the implementation, so every program warms up alike.
//      Small cases get up to 3000 calls: V8 compiles a hot function with its optimizing tier
//      only after a few thousand calls, so 100 warm-up calls timed tsmpi's interpreter (an 8 B
//      ping-pong measured 2-3× its steady state), which no long-running program sees;
//   2. calibration: the warm-up's time per call (the slowest process's) sets the calls per
//      repetition: about `targetMs`, clamped to [minCalls, maxCalls];
//   3. `reps` repetitions, each reported as time per call (again the slowest process's).
// Before its first case, every program runs that case once unrecorded (the program warm-up): in
// a runtime's first second its start-up garbage collection and compilation stall a few calls by
// milliseconds, which a 20 ms repetition of 10 µs calls cannot average away.
// The Python and zeromq.js references implement the same three steps (see bench/anchors/).

export interface Protocol {
  /** Repetitions reported per launch. */
  reps: number;
  /** A repetition lasts about this long... */
  targetMs: number;
  /** ...with at least this many calls, so a 16 MiB repetition is several calls, not one... */
  minCalls: number;
  /** ...and at most this many. */
  maxCalls: number;
  /** Warm-up: calls enough to move this many bytes... */
  warmBytes: number;
  /** ...at least this many... */
  warmMin: number;
  /** ...and at most this many. */
  warmMax: number;
  /** Streaming: messages in flight per call, min(windowMax, windowBytes / size), at least 1. */
  windowBytes: number;
  windowMax: number;
}

const MiB = 1024 * 1024;

export const kDefaultProtocol: Protocol = {
  reps: 5,
  targetMs: 20,
  minCalls: 3,
  maxCalls: 20000,
  warmBytes: 8 * MiB,
  warmMin: 2,
  warmMax: 3000,
  windowBytes: 32 * MiB,
  windowMax: 64,
};

/** Environment variable of each field (read by every program, TypeScript, Python or .mjs). */
export const kProtocolEnv: Record<keyof Protocol, string> = {
  reps: 'BENCH_REPS',
  targetMs: 'BENCH_TARGET_MS',
  minCalls: 'BENCH_MIN_CALLS',
  maxCalls: 'BENCH_MAX_CALLS',
  warmBytes: 'BENCH_WARM_BYTES',
  warmMin: 'BENCH_WARM_MIN',
  warmMax: 'BENCH_WARM_MAX',
  windowBytes: 'BENCH_WINDOW_BYTES',
  windowMax: 'BENCH_WINDOW_MAX',
};

export function protocolEnv(p: Protocol): Record<string, string> {
  return Object.fromEntries(Object.entries(kProtocolEnv).map(([k, name]) => [name, String(p[k as keyof Protocol])]));
}

export function protocolFromEnv(env: NodeJS.ProcessEnv = process.env): Protocol {
  const p = { ...kDefaultProtocol };
  for (const [k, name] of Object.entries(kProtocolEnv)) {
    const v = env[name];
    if (v !== undefined && v !== '') p[k as keyof Protocol] = Number(v);
  }
  return p;
}

const clamp = (x: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, x));

/** Warm-up calls of a case that moves `bytesPerCall` bytes per call (0: a barrier). */
export function warmCalls(p: Protocol, bytesPerCall: number): number {
  return clamp(Math.floor(p.warmBytes / Math.max(1, bytesPerCall)), p.warmMin, p.warmMax);
}

/** Calls per repetition, from the warm-up's seconds per call. */
export function callsPerRep(p: Protocol, secondsPerCall: number): number {
  return clamp(Math.round(p.targetMs / 1000 / Math.max(secondsPerCall, 1e-7)), p.minCalls, p.maxCalls);
}

/** Messages in flight per call of a streaming case. */
export function streamWindow(p: Protocol, size: number): number {
  return clamp(Math.floor(p.windowBytes / Math.max(1, size)), 1, p.windowMax);
}
