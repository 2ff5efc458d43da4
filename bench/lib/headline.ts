// The targets of the project's issue 13 as ratios with pass/miss, for every variant: the
// headline table of the report (and of the README). Each ratio is tsmpi's time over the
// reference's time, medians of the same run; the range in parentheses is the widest the two
// spreads allow (min/max, max/min).
import type { Variant } from './config.js';
import { get, memory, refKey, tsmpiKey } from './results.js';
import { MiB, num, ratio, ratioRange, rfmt, type Stat } from './stats.js';

export interface TargetRow {
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

/** The headline rows for these variants. */
export function targets(variants: Variant[], np64: number, memIters: number): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const t of ratioTargets()) {
    const ref = get(t.refKey);
    const cells: TargetRow['cells'] = {};
    for (const v of variants) {
      const ts = get(t.tsKey(v.id));
      const r = ratio(ts, ref);
      cells[v.id] = { measured: ts ? time(ts.median) : '—', ratio: r, range: ratioRange(ts, ref), pass: Number.isFinite(r) ? r <= t.limit : null };
    }
    rows.push({ target: t.target, limit: `≤ ${t.limit}× ${t.refLabel}`, reference: `${t.refLabel} ${timeStat(ref)}`, referenceKey: t.refKey, cells });
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
      target: `memory over ${memIters} × 8 B allreduce (np=4, worst rank, after GC)`,
      limit: 'heap +≤ 1 MiB, RSS second half +≤ 4 MiB',
      reference: '—',
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
