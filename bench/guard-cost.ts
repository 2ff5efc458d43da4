/**
 * What collective mismatch detection (coll/guard.ts) costs on the message path, measured in
 * process: per call, building the signature and opening the call; per message, the 8 stamp
 * bytes written and read in the header, and the arrival check against the call's signature.
 *
 *   npx tsx bench/guard-cost.ts
 */
import { P2PEngine } from '../src/comm/p2p/p2p-engine.js';
import { CollGuard } from '../src/comm/coll/guard.js';
import { collSignature } from '../src/comm/coll/signature.js';
import { decodeEnvelope, encodeEnvelope } from '../src/comm/p2p/envelope.js';
import { encode } from '../src/comm/serialization/codec.js';
import { createLoopbackTransports } from '../src/comm/transport/loopback-transport.js';

const N = 2_000_000;
function perOp(label: string, f: (i: number) => unknown): number {
  for (let i = 0; i < N / 10; i++) f(i);
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) f(i);
    runs.push(Number(process.hrtime.bigint() - t0) / N);
  }
  runs.sort((a, b) => a - b);
  console.log(`${label.padEnd(58)} ${runs[2].toFixed(1)} ns (median of 5 × ${N.toLocaleString('en-US')})`);
  return runs[2];
}

const operand = new Float64Array(1);
const stamp = collSignature('allreduce', -1, operand);
const plain = perOp('header encode + decode, unstamped', (i) => decodeEnvelope(encodeEnvelope({ ctx: 3, src: 1, tag: i, seq: i, codes: [1] })));
const stamped = perOp('header encode + decode, stamped', (i) => decodeEnvelope(encodeEnvelope({ ctx: 3, src: 1, tag: i, seq: i, codes: [1], stamp })));
const sig = perOp('signature of an allreduce of a Float64Array', () => collSignature('allreduce', -1, operand));

const [t] = createLoopbackTransports(2);
const engine = new P2PEngine(0, 2, t);
const guard = new CollGuard({
  engine,
  ctx: 5,
  group: [0, 1],
  rankOf: new Map([
    [0, 0],
    [1, 1],
  ]),
  rank: 0,
  name: 'COMM_WORLD',
});
let opened = 0;
const open = perOp('open a call (guard bookkeeping)', () => guard.open(stamp) + opened++);

/**
 * The cheapest a message gets here: half a round trip of a small message between two engines
 * in this process over the in-memory transport (no socket, no other process). Real transports
 * are slower, so the share below is an upper bound of what the guard adds to a message.
 */
async function halfRoundTripNs(rounds: number): Promise<number> {
  const [ta, tb] = createLoopbackTransports(2);
  const a = new P2PEngine(0, 2, ta);
  const b = new P2PEngine(1, 2, tb);
  const packets = [encode(0)];
  const pingPong = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      await Promise.all([a.send(0, 1, 0, packets), b.recv(0, 0, 0)]);
      await Promise.all([b.send(0, 0, 0, packets), a.recv(0, 1, 0)]);
    }
  };
  await pingPong(rounds / 10);
  const t0 = process.hrtime.bigint();
  await pingPong(rounds);
  return Number(process.hrtime.bigint() - t0) / (2 * rounds);
}

const perMessage = stamped - plain;
const perCall = sig + open;
const half = await halfRoundTripNs(20_000);
const share = (100 * Math.max(perMessage, perCall)) / half;
console.log(`\nper message: ${perMessage.toFixed(1)} ns for the stamp; per call: ${perCall.toFixed(1)} ns`);
console.log(`a small message's half round trip in process (the fastest path there is): ${(half / 1000).toFixed(2)} µs`);
console.log(
  `so the guard adds at most ${share.toFixed(2)} % to a message on the fastest path` +
    (share < 1 ? ': negligible, and less on shared memory or ZeroMQ' : ': measurable, worth a look'),
);
