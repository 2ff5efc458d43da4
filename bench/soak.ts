/**
 * Soak: nothing lost under load, and memory under a slow receiver (test/fixtures/soak.ts).
 *
 *   npm run build && npx tsx bench/soak.ts [messages=1000000] [np=8]
 *
 * 1. all-to-all: `messages` in total over np ranks (every ordered pair the same count), mixed
 *    sizes up to 64 KiB (mostly small), collectives every SOAK_K (default 500) per pair;
 * 2. slow receiver: every other rank floods rank 0 with SOAK_SLOW_PER_PAIR (default 2000)
 *    messages of 16..64 KiB while rank 0 sleeps 2 ms every 20 receives.
 * Prints messages checked, lost/duplicated/out-of-order/corrupt, bytes, time, throughput and
 * the peak RSS of every rank.
 */
import { fixture, startMpi } from '../test/helpers/run-mpi.js';

const messages = Number(process.argv[2] ?? 1_000_000);
const np = Number(process.argv[3] ?? 8);
const K = process.env.SOAK_K ?? '500';
const slowPerPair = process.env.SOAK_SLOW_PER_PAIR ?? '2000';

interface Peak {
  rank: number;
  rss: number;
  heap: number;
  external: number;
}
interface SoakResult {
  ok: boolean;
  np: number;
  perPair: number;
  expected: number;
  sent: number;
  received: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  corrupt: number;
  misrouted: number;
  bytesSent: number;
  bytesReceived: number;
  seconds: number;
  peaks: Peak[];
}

const MiB = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;

async function soak(title: string, vars: Record<string, string>): Promise<SoakResult | undefined> {
  const x = Object.entries(vars).flatMap(([k, v]) => ['-x', `${k}=${v}`]);
  const t0 = Date.now();
  const run = await startMpi([...x, '-n', String(np), fixture('soak.ts')], { killAfterMs: 3_600_000 }).result;
  const wall = (Date.now() - t0) / 1000;
  const line = run.stdout.split('\n').find((l) => l.startsWith('soak-result '));
  console.log(`\n== ${title}`);
  if (line === undefined) {
    console.log(`no result: status ${run.code} ${run.signal ?? ''}\n${run.stderr.slice(0, 2000)}`);
    return undefined;
  }
  const r = JSON.parse(line.slice('soak-result '.length)) as SoakResult;
  console.log(`status ${run.code}, ${r.ok ? 'OK' : 'FAILED'}`);
  console.log(`messages checked:   ${r.received} of ${r.expected} expected (${r.sent} sent)`);
  console.log(`lost ${r.lost}, duplicated ${r.duplicated}, out of order ${r.outOfOrder}, checksum errors ${r.corrupt}, misrouted ${r.misrouted}`);
  console.log(`bytes:              ${MiB(r.bytesReceived)} received of ${MiB(r.bytesSent)} sent`);
  console.log(`time:               ${r.seconds.toFixed(2)} s of communication (${wall.toFixed(1)} s for the whole job)`);
  console.log(`throughput:         ${Math.round(r.received / r.seconds).toLocaleString('en-US')} msg/s, ${MiB(r.bytesReceived / r.seconds)}/s`);
  console.log(`peak RSS per rank:  ${r.peaks.map((p) => `${p.rank}: ${MiB(p.rss)}`).join(', ')}`);
  console.log(`peak heap used:     ${r.peaks.map((p) => `${p.rank}: ${MiB(p.heap)}`).join(', ')}`);
  console.log(`peak external+AB:   ${r.peaks.map((p) => `${p.rank}: ${MiB(p.external)}`).join(', ')}`);
  if (run.code !== 0) console.log(run.stderr.slice(0, 2000));
  return r;
}

const perPair = Math.ceil(messages / (np * (np - 1)));
const a = await soak(`all-to-all: np=${np}, ${perPair} messages per ordered pair, collectives every ${K}`, {
  SOAK_PER_PAIR: String(perPair),
  SOAK_K: K,
  SOAK_SEED: process.env.SOAK_SEED ?? '1',
});
const b = await soak(`slow receiver: ranks 1..${np - 1} flood rank 0 with ${slowPerPair} messages each of 16..64 KiB; rank 0 sleeps 2 ms every 20 receives`, {
  SOAK_PER_PAIR: slowPerPair,
  SOAK_SLOW: '0',
  SOAK_DIST: 'large',
  SOAK_SLOW_MS: '2',
  SOAK_SLOW_EVERY: '20',
  SOAK_SEED: process.env.SOAK_SEED ?? '1',
});
if (b !== undefined) {
  const recv = b.peaks.find((p) => p.rank === 0)!;
  const senders = b.peaks.filter((p) => p.rank !== 0);
  console.log(
    `\nslow receiver: ${MiB(b.bytesSent)} flooded at it; its peak RSS ${MiB(recv.rss)} (${((recv.rss / b.bytesSent) * 100).toFixed(0)}% of the flood); senders' peak RSS max ${MiB(Math.max(...senders.map((p) => p.rss)))}`,
  );
}
process.exitCode = a?.ok === true && b?.ok === true ? 0 : 1;
