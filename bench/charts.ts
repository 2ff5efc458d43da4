// SVG charts of a bench run, rendered headless with vega-lite → vega (renderer 'none'), from
// the run's figures (bench/lib/results.ts). Colour: the program; dashes: the tsmpi variant or
// the method (ping-pong, streaming), so variants of one program read as one family.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { kColls, type BenchConfig, type Variant } from './lib/config.js';
import { get, refKey, tsmpiKey } from './lib/results.js';
import { perTime, sizeName, type Stat } from './lib/stats.js';

interface Point {
  series: string;
  dash: string;
  x: number;
  y: number;
  lo: number;
  hi: number;
  facet?: string;
}

async function svg(spec: TopLevelSpec, file: string): Promise<void> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  writeFileSync(file, await view.toSVG());
  view.finalize();
}

const pt = (series: string, dash: string, x: number, s: Stat | null | undefined): Point[] =>
  s && s.median > 0 ? [{ series, dash, x, y: s.median, lo: s.min, hi: s.max }] : [];

function layers(x: object, yTitle: string, colorTitle: string | null, dashTitle: string): object[] {
  return [
    {
      mark: { type: 'line', point: true },
      encoding: {
        x,
        y: { field: 'y', type: 'quantitative', title: yTitle, scale: { type: 'log' } },
        color: { field: 'series', type: 'nominal', title: colorTitle, sort: null },
        strokeDash: {
          field: 'dash',
          type: 'nominal',
          title: dashTitle,
          legend: { symbolType: 'stroke', symbolSize: 400, symbolStrokeWidth: 2, encode: { symbols: { update: { stroke: { value: 'black' } } } } },
        },
      },
    },
    {
      mark: { type: 'rule' },
      encoding: {
        x,
        y: { field: 'lo', type: 'quantitative', scale: { type: 'log' } },
        y2: { field: 'hi' },
        color: { field: 'series', type: 'nominal', sort: null },
      },
    },
  ];
}

function lines(data: Point[], title: string, xTitle: string, yTitle: string, dashTitle: string): TopLevelSpec {
  const x = { field: 'x', type: 'quantitative' as const, title: xTitle, scale: { type: 'log' as const, base: 2 } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 560,
    height: 340,
    background: 'white',
    data: { values: data },
    config: { legend: { labelLimit: 400 } },
    layer: layers(x, yTitle, null, dashTitle),
  } as TopLevelSpec;
}

export async function renderCharts(dir: string, cfg: BenchConfig, variants: Variant[]): Promise<void> {
  const lat: Point[] = [],
    bw: Point[] = [];
  // Partial variants have two sizes only: a line through them would invent the sizes between.
  const full = variants.filter((v) => !v.partial);
  for (const s of cfg.sizes) {
    for (const v of full) lat.push(...pt('tsmpi Float64Array', v.id, s, get(tsmpiKey.pp(v.id, 'typed', s))));
    for (const v of full) lat.push(...pt('tsmpi object', v.id, s, get(tsmpiKey.pp(v.id, 'object', s))));
    lat.push(
      ...pt('zeromq.js', 'reference', s, get(refKey.zmq('pp', s))),
      ...pt('mpi4py buffers', 'reference', s, get(refKey.mpi4py(2, 'pp_buf', s))),
      ...pt('mpi4py objects', 'reference', s, get(refKey.mpi4py(2, 'pp_obj', s))),
      ...pt('multiprocessing Pipe', 'reference', s, get(refKey.mp('pipe', s))),
      ...pt('multiprocessing Queue', 'reference', s, get(refKey.mp('queue', s))),
    );
    // Bandwidth: one colour per program and variant, dashes for the method (like with like).
    for (const v of full) {
      bw.push(
        ...pt(`tsmpi Float64Array ${v.id}`, 'ping-pong', s, perTime(get(tsmpiKey.pp(v.id, 'typed', s)), s)),
        ...pt(`tsmpi Float64Array ${v.id}`, 'streaming', s, get(tsmpiKey.stream(v.id, 'typed', s))),
      );
    }
    bw.push(...pt('zeromq.js', 'ping-pong', s, perTime(get(refKey.zmq('pp', s)), s)), ...pt('zeromq.js', 'streaming', s, get(refKey.zmq('stream', s))));
    for (const [kind, name] of [
      ['buf', 'buffers'],
      ['obj', 'objects'],
    ] as const) {
      bw.push(
        ...pt(`mpi4py ${name}`, 'ping-pong', s, perTime(get(refKey.mpi4py(2, `pp_${kind}`, s)), s)),
        ...pt(`mpi4py ${name}`, 'streaming', s, get(refKey.mpi4py(2, `stream_${kind}`, s))),
      );
    }
  }
  await svg(
    lines(lat, 'Ping-pong latency, np=2 (median, min–max)', 'message size (bytes)', 'µs (half round trip)', 'tsmpi variant'),
    path.join(dir, 'latency.svg'),
  );
  await svg(lines(bw, 'Bandwidth, np=2 (median, min–max)', 'message size (bytes)', 'MB/s', 'method'), path.join(dir, 'bandwidth.svg'));

  const co: Point[] = [];
  for (const c of kColls) {
    for (const s of c === 'barrier' ? [0] : cfg.collSizes) {
      for (const v of full)
        for (const np of cfg.nps)
          co.push(...pt(c === 'barrier' ? 'barrier' : sizeName(s), v.id, np, get(tsmpiKey.coll(v.id, 'auto', np, c, s))).map((p) => ({ ...p, facet: c })));
    }
  }
  const x = { field: 'x', type: 'quantitative' as const, title: 'np', scale: { type: 'log' as const, base: 2 } };
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Collective time per call vs np (automatic algorithm; median, min–max)',
    background: 'white',
    config: { legend: { labelLimit: 400 } },
    data: { values: co },
    columns: 4,
    facet: { field: 'facet', type: 'nominal', title: null },
    spec: { width: 200, height: 170, layer: layers(x, 'µs', 'size', 'tsmpi variant') },
    resolve: { scale: { y: 'independent' } },
  } as unknown as TopLevelSpec;
  await svg(spec, path.join(dir, 'collectives.svg'));
}
