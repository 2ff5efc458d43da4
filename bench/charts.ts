// SVG charts of a bench run, rendered headless with vega-lite → vega (renderer 'none').
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

interface Stat { median: number; min: number; max: number }
export interface ChartInput {
  p2p: Record<string, Stat | null>;
  p2pOff: Record<string, Stat | null>;
  zmq: Record<number, number[]>;
  mp: Record<string, Record<number, number[]>>;
  mpi4py: Record<number, Record<string, number[]>>;
  coll: Record<string, Record<number, Stat | null>>;
  sizes: number[];
  collSizes: number[];
  nps: number[];
  stat: (reps: number[]) => Stat | null;
}
interface Point { series: string; x: number; y: number; lo: number; hi: number }

async function svg(spec: TopLevelSpec, file: string): Promise<void> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  writeFileSync(file, await view.toSVG());
  view.finalize();
}

function lines(data: Point[], title: string, xTitle: string, yTitle: string, xLog: boolean): TopLevelSpec {
  const x = { field: 'x', type: 'quantitative' as const, title: xTitle, scale: xLog ? { type: 'log' as const, base: 2 } : { type: 'linear' as const, zero: false } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title, width: 560, height: 340, background: 'white', data: { values: data }, config: { legend: { labelLimit: 400 } },
    layer: [
      { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'y', type: 'quantitative', title: yTitle, scale: { type: 'log' } }, color: { field: 'series', type: 'nominal', title: null } } },
      { mark: { type: 'rule' }, encoding: { x, y: { field: 'lo', type: 'quantitative', scale: { type: 'log' } }, y2: { field: 'hi' }, color: { field: 'series', type: 'nominal' } } },
    ],
  } as TopLevelSpec;
}

export async function renderCharts(dir: string, d: ChartInput): Promise<void> {
  const pt = (series: string, x: number, s: Stat | null | undefined): Point[] => (s && s.median > 0 ? [{ series, x, y: s.median, lo: s.min, hi: s.max }] : []);
  const lat: Point[] = [];
  const bw: Point[] = [];
  const inv = (s: Stat | null, size: number): Stat | null => (s ? { median: size / s.median, min: size / s.max, max: size / s.min } : null);
  for (const size of d.sizes) {
    lat.push(...pt('tsmpi Float64Array', size, d.p2p[`typed:latency_us:${size}`]), ...pt('tsmpi object', size, d.p2p[`object:latency_us:${size}`]));
    lat.push(...pt('tsmpi Float64Array, encryption off', size, d.p2pOff[`typed:latency_us:${size}`]));
    lat.push(...pt('zeromq.js', size, d.stat(d.zmq[size] ?? [])));
    lat.push(...pt('mpi4py buffers', size, d.stat(d.mpi4py[2]?.[`pp_buf:${size}`] ?? [])), ...pt('mpi4py objects', size, d.stat(d.mpi4py[2]?.[`pp_obj:${size}`] ?? [])));
    lat.push(...pt('multiprocessing Pipe', size, d.stat(d.mp.pipe?.[size] ?? [])), ...pt('multiprocessing Queue', size, d.stat(d.mp.queue?.[size] ?? [])));
    bw.push(...pt('tsmpi Float64Array streaming', size, d.p2p[`typed:bandwidth_MBps:${size}`]), ...pt('tsmpi object streaming', size, d.p2p[`object:bandwidth_MBps:${size}`]));
    bw.push(...pt('tsmpi Float64Array ping-pong', size, inv(d.p2p[`typed:latency_us:${size}`] ?? null, size)));
    bw.push(...pt('zeromq.js ping-pong', size, inv(d.stat(d.zmq[size] ?? []), size)));
    bw.push(...pt('mpi4py buffers ping-pong', size, inv(d.stat(d.mpi4py[2]?.[`pp_buf:${size}`] ?? []), size)));
    bw.push(...pt('mpi4py objects ping-pong', size, inv(d.stat(d.mpi4py[2]?.[`pp_obj:${size}`] ?? []), size)));
  }
  await svg(lines(lat, 'Ping-pong latency, np=2 (median, min–max)', 'message size (bytes)', 'µs (half round trip)', true), path.join(dir, 'latency.svg'));
  await svg(lines(bw, 'Bandwidth, np=2 (median, min–max)', 'message size (bytes)', 'MB/s', true), path.join(dir, 'bandwidth.svg'));

  const co: (Point & { collective: string })[] = [];
  for (const [key, byNp] of Object.entries(d.coll)) {
    const [c, sizeText] = key.split(':') as [string, string];
    const size = Number(sizeText);
    const label = c === 'barrier' ? 'barrier' : size >= 1 << 20 ? `${size / (1 << 20)} MiB` : size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
    for (const np of d.nps) for (const p of pt(label, np, byNp[np])) co.push({ ...p, collective: c });
  }
  const x = { field: 'x', type: 'quantitative' as const, title: 'np', scale: { type: 'log' as const, base: 2 } };
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Collective time per call vs np (automatic algorithm; median, min–max)', background: 'white', config: { legend: { labelLimit: 400 } },
    data: { values: co }, columns: 4,
    facet: { field: 'collective', type: 'nominal', title: null },
    spec: {
      width: 200, height: 170,
      layer: [
        { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'y', type: 'quantitative', title: 'µs', scale: { type: 'log' } }, color: { field: 'series', type: 'nominal', title: 'size', sort: null } } },
        { mark: 'rule', encoding: { x, y: { field: 'lo', type: 'quantitative', scale: { type: 'log' } }, y2: { field: 'hi' }, color: { field: 'series', type: 'nominal', sort: null } } },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  } as unknown as TopLevelSpec;
  await svg(spec, path.join(dir, 'collectives.svg'));
}
