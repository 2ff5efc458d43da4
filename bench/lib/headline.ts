// The targets of the project's issues 13 and 14 as ratios with pass/miss, for every variant:
// the headline tables of the report (and of the README), one per issue. Each ratio is tsmpi's
// time over the reference's time (for bandwidth: the reference's MB/s over tsmpi's, the same
// thing), medians of the same run; the range in parentheses is the widest the two spreads allow
// (min/max, max/min).
import type { Variant } from './config.js';
import { get, memory, node24Id, refKey, tsmpiKey } from './results.js';
import { MiB, num, ratio, ratioRange, rfmt, type Stat } from './stats.js';
import { kLoadedColls, kStallColls } from './tsmpi.js';

/** The issue whose target a row is. */
export type Issue = 'issue 13' | 'issue 14';
export const kIssues: { issue: Issue; title: string }[] = [
  { issue: 'issue 13', title: "shared memory and the rank's path against mpi4py, multiprocessing and mpirun" },
  { issue: 'issue 14', title: 'the ZeroMQ path against raw zeromq.js (ipc and between hosts), start-up against mpirun, contention and np=2 stalls' },
];

export interface TargetRow {
  issue: Issue;
  target: string;
  limit: string;
  reference: string;
  referenceKey?: string;
  cells: Record<string, { measured: string; ratio: number; range: [number, number]; pass: boolean | null }>;
}

/** µs as µs, ms or s, whichever reads best. */
export function time(us: number): string {
  if (!Number.isFinite(us)) return '—';
  if (us >= 1e6) return `${num(us / 1e6)} s`;
  if (us >= 1e4) return `${num(us / 1e3)} ms`;
  return `${num(us)} µs`;
}
export const timeStat = (s: Stat | null): string => (s ? `${time(s.median)} (${time(s.min)}–${time(s.max)})` : '—');

interface RatioTarget {
  target: string;
  limit: number;
  refLabel: string;
  refKey: string;
  tsKey: (v: string) => string;
}

function ratioTargets(): RatioTarget[] {
  const T: RatioTarget[] = [];
  const kinds: [string, string][] = [
    ['typed', 'Float64Array'],
    ['object', 'small object'],
  ];
  for (const [kind, name] of kinds) {
    T.push({
      target: `8 B half round trip, ${name}`,
      limit: 1,
      refLabel: 'mpi4py objects',
      refKey: refKey.mpi4py(2, 'pp_obj', 8),
      tsKey: (v) => tsmpiKey.pp(v, kind, 8),
    });
    T.push({ target: `8 B half round trip, ${name}`, limit: 0.2, refLabel: 'mp Pipe', refKey: refKey.mp('pipe', 8), tsKey: (v) => tsmpiKey.pp(v, kind, 8) });
  }
  for (const [kind, name] of kinds) {
    T.push({
      target: `8 B half round trip, ${name}, pinned (taskset -c 0)`,
      limit: 1,
      refLabel: 'mp Pipe pinned',
      refKey: refKey.mp('pipe', 8, true),
      tsKey: (v) => tsmpiKey.pinned(v, kind, 8),
    });
  }
  const big = 16 * MiB;
  T.push({
    target: '16 MiB Float64Array ping-pong (half round trip)',
    limit: 2,
    refLabel: 'mpi4py buffers',
    refKey: refKey.mpi4py(2, 'pp_buf', big),
    tsKey: (v) => tsmpiKey.pp(v, 'typed', big),
  });
  T.push({
    target: '16 MiB Float64Array ping-pong (half round trip)',
    limit: 0.1,
    refLabel: 'mpi4py objects',
    refKey: refKey.mpi4py(2, 'pp_obj', big),
    tsKey: (v) => tsmpiKey.pp(v, 'typed', big),
  });
  for (const [c, buf, obj] of [
    ['bcast', 2, 0.25],
    ['allreduce', 1.5, 0.25],
  ] as const) {
    T.push({
      target: `np=4 ${c}, 16 MiB Float64Array`,
      limit: buf,
      refLabel: 'mpi4py buffers',
      refKey: refKey.mpi4py(4, `${c}_buf`, big),
      tsKey: (v) => tsmpiKey.coll(v, 'auto', 4, c, big),
    });
    T.push({
      target: `np=4 ${c}, 16 MiB Float64Array`,
      limit: obj,
      refLabel: 'mpi4py objects',
      refKey: refKey.mpi4py(4, `${c}_obj`, big),
      tsKey: (v) => tsmpiKey.coll(v, 'auto', 4, c, big),
    });
  }
  return T;
}

/** The headline rows for these variants (Node 24: its version when the start-up ran on it too). */
export function targets(variants: Variant[], np64: number, memIters: number, node24 = ''): TargetRow[] {
  return [...issue13(variants, np64, memIters), ...issue14(variants, node24)];
}

function issue13(variants: Variant[], np64: number, memIters: number): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const t of ratioTargets()) {
    const ref = get(t.refKey);
    const cells: TargetRow['cells'] = {};
    for (const v of variants) {
      const ts = get(t.tsKey(v.id));
      const r = ratio(ts, ref);
      cells[v.id] = { measured: ts ? time(ts.median) : '—', ratio: r, range: ratioRange(ts, ref), pass: Number.isFinite(r) ? r <= t.limit : null };
    }
    rows.push({
      issue: 'issue 13',
      target: t.target,
      limit: `≤ ${t.limit}× ${t.refLabel}`,
      reference: `${t.refLabel} ${timeStat(ref)}`,
      referenceKey: t.refKey,
      cells,
    });
  }
  // np=64: finishing is the target; start-up and memory per rank are what it costs.
  {
    const wall = get(refKey.startup('wall', np64)),
      rss = get(refKey.startup('rss', np64));
    const cells: TargetRow['cells'] = {};
    for (const v of variants.filter((x) => !x.partial)) {
      const w = get(tsmpiKey.startup(v.id, 'wall', np64)),
        ready = get(tsmpiKey.startup(v.id, 'ready', np64)),
        m = get(tsmpiKey.startup(v.id, 'rss', np64));
      cells[v.id] = {
        measured: w
          ? `finished: ${time(w.median * 1e3)} (ready ${time((ready?.median ?? NaN) * 1e3)}), ${num(m?.median ?? NaN)} MiB/rank (max ${num(m?.max ?? NaN)})`
          : 'did not finish',
        ratio: ratio(w, wall),
        range: ratioRange(w, wall),
        pass: w !== null,
      };
    }
    rows.push({
      issue: 'issue 13',
      target: `np=${np64} barrier + allreduce, oversubscribed (start-up, RSS per rank)`,
      limit: 'finishes',
      reference: wall
        ? `mpirun -n ${np64} python3: ${time(wall.median * 1e3)}, ${num(rss?.median ?? NaN)} MiB/rank`
        : `mpirun -n ${np64}: not measured (full mode)`,
      cells,
    });
  }
  {
    const cells: TargetRow['cells'] = {};
    for (const v of variants.filter((x) => !x.partial)) {
      const g = memoryGrowth(v.id);
      cells[v.id] = g
        ? {
            measured: `heap ${sign(g.heap)} MiB, RSS ${sign(g.rss)} MiB (second half ${sign(g.rssSecondHalf)})`,
            ratio: NaN,
            range: [NaN, NaN],
            pass: g.heap <= 1 && g.rssSecondHalf <= 4,
          }
        : { measured: 'failed', ratio: NaN, range: [NaN, NaN], pass: false };
    }
    rows.push({
      issue: 'issue 13',
      target: `memory over ${memIters} × 8 B allreduce (np=4, worst rank, after GC)`,
      limit: 'heap +≤ 1 MiB, RSS second half +≤ 4 MiB',
      reference: '—',
      cells,
    });
  }
  return rows;
}

type Cell = TargetRow['cells'][string];
const none = (measured = '—'): Cell => ({ measured, ratio: NaN, range: [NaN, NaN], pass: null });
const mbps = (s: Stat | null): string => (s ? `${num(s.median)} MB/s (${num(s.min)}–${num(s.max)})` : '—');

/** A time against a reference time: ratio ts/ref. */
function timeCell(ts: Stat | null, ref: Stat | null, limit: number): Cell {
  const r = ratio(ts, ref);
  return { measured: ts ? time(ts.median) : '—', ratio: r, range: ratioRange(ts, ref), pass: Number.isFinite(r) ? r <= limit : null };
}

/** A bandwidth against a reference bandwidth, as a ratio of times: ref MB/s / tsmpi MB/s. */
function rateCell(ts: Stat | null, ref: Stat | null, limit: number): Cell {
  const r = ratio(ref, ts);
  return { measured: ts ? `${num(ts.median)} MB/s` : '—', ratio: r, range: ratioRange(ref, ts), pass: Number.isFinite(r) ? r <= limit : null };
}

/**
 * Issue 14: the ZeroMQ path (variants zmq with CURVE, zmq-plain without) at raw zeromq.js's
 * speed with the same security, over ipc and between two test hosts; start-up against
 * mpirun; slowdown under load against mpi4py's; np=2 collectives against a round trip.
 */
function issue14(variants: Variant[], node24: string): TargetRow[] {
  const rows: TargetRow[] = [];
  const ids = variants.map((v) => v.id);
  const full = variants.filter((v) => !v.partial).map((v) => v.id);
  const big = 16 * MiB;
  const only = (v: string, cell: () => Cell): TargetRow['cells'] => (ids.includes(v) ? { [v]: cell() } : {});
  // ipc, same security: zmq against zeromq.js with CURVE, zmq-plain against it without.
  for (const [v, curve, sec] of [
    ['zmq', true, 'CURVE'],
    ['zmq-plain', false, 'plain'],
  ] as const) {
    const label = `zeromq.js ${sec} (ipc PAIR)`;
    const pp8 = refKey.zmq('pp', 8, false, curve),
      ppBig = refKey.zmq('pp', big, false, curve),
      stBig = refKey.zmq('stream', big, false, curve);
    rows.push({
      issue: 'issue 14',
      target: `8 B half round trip, Float64Array, ${sec}`,
      limit: `≤ 1.15× ${label}`,
      reference: `${label} ${timeStat(get(pp8))}`,
      referenceKey: pp8,
      cells: only(v, () => timeCell(get(tsmpiKey.pp(v, 'typed', 8)), get(pp8), 1.15)),
    });
    rows.push({
      issue: 'issue 14',
      target: `16 MiB Float64Array ping-pong (half round trip), ${sec}`,
      limit: `≤ 1.25× ${label} (≥ 0.8× its speed)`,
      reference: `${label} ${timeStat(get(ppBig))}`,
      referenceKey: ppBig,
      cells: only(v, () => timeCell(get(tsmpiKey.pp(v, 'typed', big)), get(ppBig), 1.25)),
    });
    rows.push({
      issue: 'issue 14',
      target: `16 MiB Float64Array streaming, ${sec}`,
      limit: `≥ 0.8× ${label}'s MB/s (ratio of times ≤ 1.25×)`,
      reference: `${label} ${mbps(get(stBig))}`,
      referenceKey: stBig,
      cells: only(v, () => rateCell(get(tsmpiKey.stream(v, 'typed', big)), get(stBig), 1.25)),
    });
  }
  // Between two test hosts (TCP over veth): tsmpi with CURVE only (tsmpirun requires it there).
  {
    const label = 'zeromq.js CURVE (TCP PAIR)';
    const pp8 = refKey.zmqHosts('pp', 8, true),
      ppBig = refKey.zmqHosts('pp', big, true),
      stBig = refKey.zmqHosts('stream', big, true);
    const measured = get(pp8) !== null || ids.some((v) => get(tsmpiKey.hosts(v, 'pp', 8)) !== null);
    const ref = (s: string) => (measured ? s : 'not measured: no test hosts (see Notes)');
    rows.push({
      issue: 'issue 14',
      target: '8 B half round trip between two hosts, CURVE',
      limit: `≤ 1.15× ${label}`,
      reference: ref(`${label} ${timeStat(get(pp8))}`),
      referenceKey: pp8,
      cells: only('zmq', () => timeCell(get(tsmpiKey.hosts('zmq', 'pp', 8)), get(pp8), 1.15)),
    });
    rows.push({
      issue: 'issue 14',
      target: '16 MiB ping-pong between two hosts (half round trip), CURVE',
      limit: `≤ 1.25× ${label} (≥ 0.8× its speed)`,
      reference: ref(`${label} ${timeStat(get(ppBig))}`),
      referenceKey: ppBig,
      cells: only('zmq', () => timeCell(get(tsmpiKey.hosts('zmq', 'pp', big)), get(ppBig), 1.25)),
    });
    rows.push({
      issue: 'issue 14',
      target: '16 MiB streaming between two hosts, CURVE',
      limit: `≥ 0.8× ${label}'s MB/s (ratio of times ≤ 1.25×)`,
      reference: ref(`${label} ${mbps(get(stBig))}`),
      referenceKey: stBig,
      cells: only('zmq', () => rateCell(get(tsmpiKey.hosts('zmq', 'stream', big)), get(stBig), 1.25)),
    });
  }
  // Start-up, launch to exit, against mpirun python3 with mpi4py (one barrier); also on Node 24.
  for (const n of [4, 16]) {
    const k = refKey.startup('wall', n),
      ref = get(k);
    const reference = `\`mpirun -n ${n} python3\` ${ref ? `${time(ref.median * 1e3)} (${time(ref.min * 1e3)}–${time(ref.max * 1e3)})` : '—'}`;
    const cell = (id: string): Cell => {
      const ts = get(tsmpiKey.startup(id, 'wall', n));
      const c = timeCell(ts, ref, 1);
      return { ...c, measured: ts ? time(ts.median * 1e3) : '—' };
    };
    rows.push({
      issue: 'issue 14',
      target: `\`-n ${n}\` start-up, launch to exit`,
      limit: `≤ 1.0× \`mpirun -n ${n}\``,
      reference,
      referenceKey: k,
      cells: Object.fromEntries(full.map((v) => [v, cell(v)])),
    });
    if (node24) {
      rows.push({
        issue: 'issue 14',
        target: `\`-n ${n}\` start-up, launch to exit, tsmpirun on Node ${node24.slice(1)}`,
        limit: `≤ 1.0× \`mpirun -n ${n}\``,
        reference,
        referenceKey: k,
        cells: Object.fromEntries(full.map((v) => [v, cell(node24Id(v))])),
      });
    }
  }
  // Contention: slowdown beside busy loops (loaded / quiet of the same run) against mpi4py's.
  for (const c of kLoadedColls) {
    const size = c === 'barrier' ? 0 : 8;
    const metric = c === 'barrier' ? 'barrier' : `${c}_obj`,
      refSize = c === 'bcast' || c === 'allreduce' ? 8 : 0;
    const rq = get(refKey.mpi4py(4, metric, refSize)),
      rl = get(refKey.mpi4pyLoaded(4, metric, refSize));
    const refSlow = ratio(rl, rq),
      refRange = ratioRange(rl, rq);
    const refLabel = c === 'barrier' ? 'mpi4py Barrier' : refSize ? `mpi4py ${c} of an 8 B numpy array as an object` : `mpi4py ${c} of a small object`;
    const cells: TargetRow['cells'] = {};
    for (const v of full) {
      const q = get(tsmpiKey.coll(v, 'auto', 4, c, size)),
        l = get(tsmpiKey.loaded(v, 4, c, size));
      const slow = ratio(l, q),
        range = ratioRange(l, q);
      const r = slow / refSlow;
      cells[v] =
        q || l
          ? {
              measured: `${time(q?.median ?? NaN)} → ${time(l?.median ?? NaN)} (×${num(slow)})`,
              ratio: r,
              range: [range[0] / refRange[1], range[1] / refRange[0]],
              pass: Number.isFinite(r) ? r <= 1.5 : null,
            }
          : none();
    }
    rows.push({
      issue: 'issue 14',
      target: `np=4 8 B ${c}: slowdown beside 2 busy loops (quiet → loaded)`,
      limit: "≤ 1.5× mpi4py's slowdown (objects)",
      reference: `${refLabel}: ${time(rq?.median ?? NaN)} → ${time(rl?.median ?? NaN)} (×${num(refSlow)}, ${num(refRange[0])}–${num(refRange[1])})`,
      cells,
    });
  }
  // np=2 stalls: an 8 B collective at np=2 within two round trips' worth of the same variant's ping-pong.
  for (const c of kStallColls) {
    const size = c === 'barrier' ? 0 : 8;
    const cells: TargetRow['cells'] = {};
    const rt: string[] = [];
    for (const v of ['zmq', 'zmq-plain'].filter((x) => ids.includes(x))) {
      const pp = get(tsmpiKey.pp(v, 'typed', 8));
      const roundTrip = pp ? { median: 2 * pp.median, min: 2 * pp.min, max: 2 * pp.max, n: pp.n } : null;
      if (roundTrip) rt.push(`${v} ${time(roundTrip.median)}`);
      cells[v] = timeCell(get(tsmpiKey.coll(v, 'auto', 2, c, size)), roundTrip, 2);
    }
    rows.push({
      issue: 'issue 14',
      target: `np=2 8 B ${c} (stalls)`,
      limit: '≤ 2× one 8 B round trip (2 × half) of the same variant',
      reference: `8 B round trip: ${rt.join(', ') || '—'}`,
      cells,
    });
  }
  return rows;
}

const sign = (x: number): string => `${x >= 0 ? '+' : ''}${num(x)}`;

/** Worst rank's growth from after the warm-up allreduces to the end (heap, RSS) and over the second half (RSS). */
export function memoryGrowth(v: string): { heap: number; rss: number; rssSecondHalf: number } | null {
  const m = memory[v];
  if (!m) return null;
  const worst = (a: number[], b: number[]) => Math.max(...b.map((x, i) => x - a[i]!));
  return { heap: worst(m.start.heap, m.end.heap), rss: worst(m.start.rss, m.end.rss), rssSecondHalf: worst(m.middle.rss, m.end.rss) };
}

/** The rows of one issue as a table (every variant a column; '—' where a row does not apply). */
export function headlineTable(rows: TargetRow[], variants: Variant[]): string[] {
  const L = [
    `| target | limit | reference (median, min–max) | ${variants.map((v) => `tsmpi ${v.label}`).join(' | ')} |`,
    `|---|---|---|${variants.map(() => '---|').join('')}`,
  ];
  for (const r of rows) {
    const cell = (id: string) => {
      const c = r.cells[id];
      if (!c || (c.pass === null && c.measured === '—')) return '—';
      const verdict = c.pass === null ? 'n/a' : c.pass ? 'pass' : '**miss**';
      if (!Number.isFinite(c.ratio)) return `${c.measured} · ${verdict}`;
      return `${c.measured} · ${rfmt(c.ratio)} (${rfmt(c.range[0])}–${rfmt(c.range[1])}) · ${verdict}`;
    };
    L.push(`| ${r.target} | ${r.limit} | ${r.reference} | ${variants.map((v) => cell(v.id)).join(' | ')} |`);
  }
  return L;
}
