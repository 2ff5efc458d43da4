// Raw zeromq.js PAIR between two Node processes: ping-pong (half a round trip) and streaming
// (a window of sends, then one ack), timed by the protocol of bench/lib/protocol.ts (BENCH_*
// environment; its defaults below) so that it compares with tsmpi like with like.
// Prints one line per case: BENCHREF {"impl":"zeromq.js","metric":"pp"|"stream",...,"reps":[...]}.
//   node pingpong_zeromq.mjs parent ipc:///tmp/x.sock   (BENCH_SIZES=8,16777216 BENCH_STREAM=0 ...)
// Between two hosts: "server" binds and measures like "parent" but starts no child; the child
// is started on the other host (same BENCH_CURVE_KEYS when BENCH_CURVE=1):
//   host A: node pingpong_zeromq.mjs server tcp://10.213.7.1:5555
//   host B: node pingpong_zeromq.mjs child tcp://10.213.7.1:5555
// BENCH_STREAM_SIZES: the sizes streamed (default: every size of BENCH_SIZES).
import * as zmq from 'zeromq';
import { fork } from 'node:child_process';
const role = process.argv[2] ?? 'parent';
const addr = process.argv[3] ?? 'ipc:///tmp/zq-pp.sock';
const env = (name, fallback) => Number(process.env[name] || fallback);
const P = {
  reps: env('BENCH_REPS', 5),
  targetMs: env('BENCH_TARGET_MS', 20),
  minCalls: env('BENCH_MIN_CALLS', 3),
  maxCalls: env('BENCH_MAX_CALLS', 20000),
  warmBytes: env('BENCH_WARM_BYTES', 8 << 20),
  warmMin: env('BENCH_WARM_MIN', 2),
  warmMax: env('BENCH_WARM_MAX', 3000),
  windowBytes: env('BENCH_WINDOW_BYTES', 32 << 20),
  windowMax: env('BENCH_WINDOW_MAX', 64),
};
// BENCH_CURVE=1: both ends with CURVE, as tsmpi's ranks by default (the keys made here).
const curve =
  process.env.BENCH_CURVE === '1'
    ? (JSON.parse(process.env.BENCH_CURVE_KEYS ?? 'null') ??
      (() => {
        const k = zmq.curveKeyPair();
        return { pub: k.publicKey, sec: k.secretKey };
      })())
    : null;
const serverOpts = curve ? { curveServer: true, curvePublicKey: curve.pub, curveSecretKey: curve.sec } : {};
const clientOpts = curve ? { curveServerKey: curve.pub, curvePublicKey: curve.pub, curveSecretKey: curve.sec } : {};
const SIZES = (process.env.BENCH_SIZES ?? '8,1024,65536,1048576,16777216').split(',').map(Number);
const STREAM = process.env.BENCH_STREAM !== '0';
const STREAM_SIZES = process.env.BENCH_STREAM_SIZES ? process.env.BENCH_STREAM_SIZES.split(',').map(Number) : SIZES;
const clamp = (x, lo, hi) => Math.max(lo, Math.min(hi, x));
const now = () => Number(process.hrtime.bigint()) / 1e9;

/** Seconds per call of `body` for each repetition, after the protocol's warm-up and calibration. */
async function repeat(body, bytesPerCall) {
  const warm = clamp(Math.floor(P.warmBytes / Math.max(1, bytesPerCall)), P.warmMin, P.warmMax);
  let t = now();
  for (let i = 0; i < warm; i++) await body();
  const calls = clamp(Math.round(P.targetMs / 1000 / Math.max((now() - t) / warm, 1e-7)), P.minCalls, P.maxCalls);
  const out = [];
  for (let r = 0; r < P.reps; r++) {
    t = now();
    for (let i = 0; i < calls; i++) await body();
    out.push((now() - t) / calls);
  }
  return out;
}

if (role === 'parent' || role === 'server') {
  const s = new zmq.Pair(serverOpts);
  await s.bind(addr);
  const c =
    role === 'parent' ? fork(new URL(import.meta.url).pathname, ['child', addr], { env: { ...process.env, BENCH_CURVE_KEYS: JSON.stringify(curve) } }) : null;
  // Control messages have two frames (data has one): they tell the child how to answer.
  const mode = async (m) => {
    await s.send(['ctl', JSON.stringify(m)]);
    await s.receive();
  };
  const print = (o) => console.log(`BENCHREF ${JSON.stringify({ impl: 'zeromq.js', transport: addr.split(':')[0], curve: curve !== null, ...o })}`);
  if (SIZES.length > 0) {
    // The protocol's program warm-up: the first ping-pong case once, unrecorded.
    const buf = Buffer.alloc(SIZES[0], 1);
    await mode({ echo: true });
    await repeat(async () => {
      await s.send(buf);
      await s.receive();
    }, 2 * SIZES[0]);
  }
  for (const size of SIZES) {
    const buf = Buffer.alloc(size, 1);
    await mode({ echo: true });
    const pp = await repeat(async () => {
      await s.send(buf);
      await s.receive();
    }, 2 * size);
    print({ metric: 'pp', size, unit: 'us', reps: pp.map((x) => (x / 2) * 1e6) });
    if (STREAM && STREAM_SIZES.includes(size)) {
      const window = clamp(Math.floor(P.windowBytes / Math.max(1, size)), 1, P.windowMax);
      await mode({ echo: false, window });
      const st = await repeat(async () => {
        for (let i = 0; i < window; i++) await s.send(buf);
        await s.receive();
      }, window * size);
      print({ metric: 'stream', size, window, unit: 'MBps', reps: st.map((x) => (size * window) / x / 1e6) });
    }
  }
  await s.send(['ctl', JSON.stringify({ exit: true })]);
  // The child acknowledges the exit: a server exits once it has (nothing left in flight).
  if (c) c.on('exit', () => process.exit(0));
  else {
    await s.receive();
    s.close();
    process.exit(0);
  }
} else {
  const s = new zmq.Pair(clientOpts);
  s.connect(addr);
  let echo = true,
    window = 1,
    got = 0;
  const ack = Buffer.alloc(1);
  for await (const frames of s) {
    if (frames.length === 2) {
      const m = JSON.parse(frames[1].toString());
      if (m.exit) {
        await s.send(ack);
        break;
      }
      ({ echo } = m);
      window = m.window ?? 1;
      got = 0;
      await s.send(ack);
    } else if (echo) await s.send(frames[0]);
    else if (++got % window === 0) await s.send(ack);
  }
  s.close();
}
