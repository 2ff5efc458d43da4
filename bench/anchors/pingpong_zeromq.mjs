import * as zmq from "zeromq";
import { fork } from "node:child_process";
const role = process.argv[2] ?? "parent";
const addr = process.argv[3] ?? "ipc:///tmp/zq-pp.sock";
// Optional overrides (defaults unchanged): BENCH_SIZES="8,16777216", BENCH_SMALL_ITERS, BENCH_LARGE_ITERS.
const N = Number(process.env.BENCH_SMALL_ITERS ?? 20000);
const NL = Number(process.env.BENCH_LARGE_ITERS ?? 100);
const SIZES = (process.env.BENCH_SIZES ?? "8,1024,65536,1048576,16777216").split(",").map(Number);
if (role === "parent") {
  const s = new zmq.Pair(); await s.bind(addr);
  const c = fork(new URL(import.meta.url).pathname, ["child", addr]);
  for (const size of SIZES) {
    const buf = Buffer.alloc(size, 1);
    const n = size >= (1<<20) ? NL : N;
    for (let i=0;i<n/10;i++){ await s.send(buf); await s.receive(); }
    const t0 = process.hrtime.bigint();
    for (let i=0;i<n;i++){ await s.send(buf); await s.receive(); }
    const us = Number(process.hrtime.bigint()-t0)/1e3/n/2;
    console.log(`zmq ${addr.split(':')[0]} size=${size} latency_us=${us.toFixed(2)} MBps=${(size/us).toFixed(0)}`);
  }
  await s.send(Buffer.alloc(0)); c.on("exit",()=>process.exit(0));
} else {
  const s = new zmq.Pair(); s.connect(addr);
  for await (const [m] of s) { if (m.length===0) break; await s.send(m); }
  s.close();
}
