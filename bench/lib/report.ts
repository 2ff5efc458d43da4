// bench/report/latest.md: the headline targets, the reference check, then every figure of the
// run in tables where each tsmpi variant has its column beside the references.
import os from 'node:os';
import { kColls, type BenchConfig, type Variant } from './config.js';
import { headlineTable, kIssues, memoryGrowth, time, type TargetRow } from './headline.js';
import { kBusyLoops } from './load.js';
import { log } from './proc.js';
import { kBusyLimit } from './quiet.js';
import {
  get,
  kAllocCalls,
  kSharedMetrics,
  memory,
  node24Id,
  refKey,
  tsmpiKey,
  type AllocCall,
  type Sample,
  type SharedMetric,
  type StartupPhase,
} from './results.js';
import { spreadTable, type SpreadCheck, type UsualSpread } from './spread.js';
import { fmt, MiB, num, perTime, ratio, rfmt, sizeName, stat, type Stat } from './stats.js';
import { kAllocNp, kLoadedColls, node24 } from './tsmpi.js';

/** A step as it ran: others' share of the CPUs before it (idle window) and during it. */
export interface StepInfo {
  name: string;
  seconds: number;
  busyBefore: number;
  busyDuring: number;
  waitedS: number;
  attempts?: number;
  /** The step measures no time (allocation): others' CPU use does not disturb its figures. */
  untimed?: boolean;
}

/** Steps whose figures other processes disturbed (a step that measures no time never is). */
export const disturbed = (steps: StepInfo[]): StepInfo[] => steps.filter((s) => !s.untimed && Math.max(s.busyBefore, s.busyDuring) >= kBusyLimit);

export interface ReportInput {
  cfg: BenchConfig;
  variants: Variant[];
  targets: TargetRow[];
  checks: SpreadCheck[];
  spread: UsualSpread | null;
  steps: StepInfo[];
  seconds: number;
  startLoad: string;
  referencesOnly: boolean;
}

const pct = (x: number): string => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : '?');

export function buildReport(d: ReportInput): string {
  const { cfg, variants } = d;
  const full = variants.filter((v) => !v.partial);
  const p = cfg.protocol;
  const L: string[] = [];
  L.push(
    `# tsmpi benchmarks (${cfg.mode} mode${Object.keys(cfg.forced).length ? ', every algorithm forced' : ''}${d.referencesOnly ? ', references only' : ''})`,
    '',
  );
  L.push(
    `${new Date().toISOString()} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'} · Node ${process.version} · ${os.platform()} ${os.release()} · load average at start ${d.startLoad} · ${num(d.seconds)} s total`,
    '',
  );
  L.push(
    'How it was measured:',
    '',
    `- tsmpi runs through \`tsmpirun\`, once per variant: ${variants
      .map(
        (v) =>
          `**${v.label}** (${Object.entries(v.env)
            .map(([k, x]) => `${k}=${x}`)
            .join(' ')}${v.partial ? '; headline cases only' : ''})`,
      )
      .join(', ')}. CURVE encryption is on unless said.`,
    `- Every program, tsmpi's and the references', follows one protocol (bench/lib/protocol.ts): per case, warm-up calls enough to move ${num(p.warmBytes / MiB)} MiB (${p.warmMin}–${p.warmMax} calls, the same count for every program), then ${p.reps} repetitions of about ${p.targetMs} ms and at least ${p.minCalls} calls each, timed on the slowest process; ${cfg.launches} launch(es) of each program. A figure is the median of all its repetitions with min–max in parentheses.`,
    '- References: raw zeromq.js (ipc PAIR without encryption; with CURVE on both ends at 8 B and 16 MiB; TCP PAIR between two test hosts, both ways), mpi4py (Open MPI, `mpirun --bind-to none`), Python multiprocessing. Each step runs the references and every tsmpi variant back to back, in an order that rotates between launches.',
    '- Not pinned unless said: both ends may sit on either vCPU, which on a small VM costs 10–15 µs per wake-up and makes runs flip between a fast and a slow mode. Pinned figures run the whole job (launcher, ranks; mpirun and its ranks; both Python processes) under `taskset -c 0`.',
    '',
  );

  const busy = disturbed(d.steps);
  L.push(
    '## Machine quietness',
    '',
    busy.length === 0
      ? `Other processes used less than ${pct(kBusyLimit)} of the CPUs before and during every step.`
      : `**Other processes used ${pct(kBusyLimit)} or more of the CPUs before or during ${busy.length} step(s): ${busy.map((s) => `${s.name} (${pct(s.busyBefore)} before, ${pct(s.busyDuring)} during)`).join(', ')}. Their figures are disturbed.**`,
    '',
  );

  if (!d.referencesOnly) {
    for (const { issue, title } of kIssues) {
      const rows = d.targets.filter((r) => r.issue === issue);
      if (rows.length === 0) continue;
      L.push(
        `## Headline: the targets of ${issue} (${title})`,
        '',
        `Ratio: tsmpi's time / the reference's time (medians of this run; for MB/s the reference's over tsmpi's, also a ratio of times); in parentheses the widest ratio the two spreads allow.${issue === 'issue 14' ? ` Rows for one ZeroMQ security compare only the variant with that security (zmq: CURVE, zmq-plain: none); '—' where a row does not apply.` : ''}`,
        '',
      );
      L.push(...headlineTable(rows, variants), '');
    }
  }
  L.push('## Are the references usual?', '', ...spreadTable(d.checks, d.spread), '');
  if (!d.referencesOnly) L.push(...otherRatios(full), '');
  L.push(
    ...latency(cfg, variants),
    '',
    ...pinned(full),
    '',
    ...bandwidth(cfg, variants),
    '',
    ...betweenHosts(variants),
    '',
    ...collectives(cfg, variants),
    '',
    ...loadedTable(full),
    '',
  );
  if (Object.keys(cfg.forced).length) L.push(...forced(cfg, full), '');
  L.push(...startup(cfg, full), '', ...phases(cfg, full), '', ...sharedTable(full), '', ...memoryTables(full), '', ...allocTable(cfg, full), '');
  L.push(
    '## Steps',
    '',
    "| step | seconds | others' CPU use before it | during it |",
    '|---|---|---|---|',
    ...d.steps.map(
      (s) =>
        `| ${s.name} | ${num(s.seconds)} | ${pct(s.busyBefore)}${s.waitedS > 1 ? ` (after waiting ${num(s.waitedS)} s)` : ''} | ${pct(s.busyDuring)}${(s.attempts ?? 1) > 1 ? ` (attempt ${s.attempts}; earlier ones disturbed, discarded)` : ''}${s.untimed ? ' (measures allocation, not time: not counted as disturbed)' : ''} |`,
    ),
    '',
  );
  if (log.notes.length || log.failures.length) {
    L.push('## Notes and failures', '', ...log.notes.map((n) => `- ${n}`), ...log.failures.map((f) => `- FAILED ${f.what}: ${f.why.replace(/\|/g, '/')}`), '');
  }
  L.push('Charts: latency.svg, bandwidth.svg, collectives.svg. Every repetition: latest.json.', '');
  return L.join('\n');
}

const cols = (vs: Variant[], prefix: string) => vs.map((v) => `${prefix} ${v.id}`);
const header = (names: string[]): string[] => [`| ${names.join(' | ')} |`, `|${names.map(() => '---|').join('')}`];
const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;

function otherRatios(vs: Variant[]): string[] {
  const big = 16 * MiB;
  const growth = (a: Stat | null, b: Stat | null) => ratio(b, a);
  const L = ['## Other comparisons (ratios of medians, no target)', '', ...header(['figure', ...vs.map((v) => `tsmpi ${v.id}`)])];
  const line = (name: string, f: (v: string) => string) => L.push(row([name, ...vs.map((v) => f(v.id))]));
  line('8 B Float64Array half round trip / raw zeromq.js', (v) => rfmt(ratio(get(tsmpiKey.pp(v, 'typed', 8)), get(refKey.zmq('pp', 8)))));
  line('16 MiB Float64Array ping-pong time / raw zeromq.js', (v) => rfmt(ratio(get(tsmpiKey.pp(v, 'typed', big)), get(refKey.zmq('pp', big)))));
  line('16 MiB Float64Array streaming MB/s / raw zeromq.js streaming', (v) =>
    rfmt(ratio(get(tsmpiKey.stream(v, 'typed', big)), get(refKey.zmq('stream', big)))),
  );
  line('16 MiB Float64Array streaming MB/s / mpi4py buffers streaming', (v) =>
    rfmt(ratio(get(tsmpiKey.stream(v, 'typed', big)), get(refKey.mpi4py(2, 'stream_buf', big)))),
  );
  const mb = growth(get(refKey.mpi4py(2, 'barrier', 0)), get(refKey.mpi4py(8, 'barrier', 0)));
  line(
    `barrier growth np=2→8 (mpi4py ×${num(mb)})`,
    (v) => `×${num(growth(get(tsmpiKey.coll(v, 'auto', 2, 'barrier', 0)), get(tsmpiKey.coll(v, 'auto', 8, 'barrier', 0))))}`,
  );
  const ma = growth(get(refKey.mpi4py(2, 'allreduce_buf', 8)), get(refKey.mpi4py(8, 'allreduce_buf', 8)));
  const mo = growth(get(refKey.mpi4py(2, 'allreduce_obj', 8)), get(refKey.mpi4py(8, 'allreduce_obj', 8)));
  line(
    `8 B allreduce growth np=2→8 (mpi4py buffers ×${num(ma)}, objects ×${num(mo)})`,
    (v) => `×${num(growth(get(tsmpiKey.coll(v, 'auto', 2, 'allreduce', 8)), get(tsmpiKey.coll(v, 'auto', 8, 'allreduce', 8))))}`,
  );
  line('`-n 4` start-up (launch to exit) / `mpirun -n 4 python3`', (v) => rfmt(ratio(get(tsmpiKey.startup(v, 'wall', 4)), get(refKey.startup('wall', 4)))));
  return L;
}

function latency(cfg: BenchConfig, vs: Variant[]): string[] {
  const L = [
    '## Ping-pong latency (µs, half round trip, np=2)',
    '',
    ...header([
      'size',
      ...cols(vs, 'Float64Array'),
      ...cols(
        vs.filter((v) => !v.partial),
        'object',
      ),
      'zeromq.js',
      'zeromq.js CURVE',
      'mpi4py buffers',
      'mpi4py objects',
      'mp Pipe',
      'mp Queue',
    ]),
  ];
  for (const s of cfg.sizes) {
    L.push(
      row([
        sizeName(s),
        ...vs.map((v) => fmt(get(tsmpiKey.pp(v.id, 'typed', s)))),
        ...vs.filter((v) => !v.partial).map((v) => fmt(get(tsmpiKey.pp(v.id, 'object', s)))),
        fmt(get(refKey.zmq('pp', s))),
        fmt(get(refKey.zmq('pp', s, false, true))),
        fmt(get(refKey.mpi4py(2, 'pp_buf', s))),
        fmt(get(refKey.mpi4py(2, 'pp_obj', s))),
        fmt(get(refKey.mp('pipe', s))),
        fmt(get(refKey.mp('queue', s))),
      ]),
    );
  }
  if (cfg.objectMax < Infinity) L.push('', `Objects above ${sizeName(cfg.objectMax)}: full mode only.`);
  return L;
}

function pinned(vs: Variant[]): string[] {
  return [
    '## 8 B ping-pong pinned to one CPU (µs, half round trip, `taskset -c 0`)',
    '',
    ...header([...cols(vs, 'Float64Array'), ...cols(vs, 'object'), 'zeromq.js', 'mpi4py buffers', 'mpi4py objects', 'mp Pipe', 'mp Queue']),
    row([
      ...vs.map((v) => fmt(get(tsmpiKey.pinned(v.id, 'typed', 8)))),
      ...vs.map((v) => fmt(get(tsmpiKey.pinned(v.id, 'object', 8)))),
      fmt(get(refKey.zmq('pp', 8, true))),
      fmt(get(refKey.mpi4py(2, 'pp_buf', 8, true))),
      fmt(get(refKey.mpi4py(2, 'pp_obj', 8, true))),
      fmt(get(refKey.mp('pipe', 8, true))),
      fmt(get(refKey.mp('queue', 8, true))),
    ]),
    '',
    'mpi4py busy-polls (Open MPI does not know its two ranks share one CPU), so each of its hops waits for the scheduler to switch processes.',
  ];
}

function bandwidth(cfg: BenchConfig, vs: Variant[]): string[] {
  const obj = vs.filter((v) => !v.partial);
  const L = [
    '## Bandwidth (MB/s, np=2)',
    '',
    'Each table compares one method only. Ping-pong: size / half round trip, from the latency runs above. Streaming: a window of min(64, 32 MiB / size) sends in flight, then one ack, for every program.',
    '',
    '### Ping-pong',
    '',
    ...header(['size', ...cols(vs, 'Float64Array'), 'zeromq.js', 'zeromq.js CURVE', 'mpi4py buffers', 'mpi4py objects', 'mp Pipe']),
  ];
  for (const s of cfg.sizes) {
    L.push(
      row([
        sizeName(s),
        ...vs.map((v) => fmt(perTime(get(tsmpiKey.pp(v.id, 'typed', s)), s))),
        fmt(perTime(get(refKey.zmq('pp', s)), s)),
        fmt(perTime(get(refKey.zmq('pp', s, false, true)), s)),
        fmt(perTime(get(refKey.mpi4py(2, 'pp_buf', s)), s)),
        fmt(perTime(get(refKey.mpi4py(2, 'pp_obj', s)), s)),
        fmt(perTime(get(refKey.mp('pipe', s)), s)),
      ]),
    );
  }
  L.push(
    '',
    '### Streaming',
    '',
    ...header(['size', ...cols(vs, 'Float64Array'), ...cols(obj, 'object'), 'zeromq.js', 'zeromq.js CURVE', 'mpi4py buffers', 'mpi4py objects']),
  );
  for (const s of cfg.sizes) {
    L.push(
      row([
        sizeName(s),
        ...vs.map((v) => fmt(get(tsmpiKey.stream(v.id, 'typed', s)))),
        ...obj.map((v) => fmt(get(tsmpiKey.stream(v.id, 'object', s)))),
        fmt(get(refKey.zmq('stream', s))),
        fmt(get(refKey.zmq('stream', s, false, true))),
        fmt(get(refKey.mpi4py(2, 'stream_buf', s))),
        fmt(get(refKey.mpi4py(2, 'stream_obj', s))),
      ]),
    );
  }
  return L;
}

function collectives(cfg: BenchConfig, vs: Variant[]): string[] {
  const L = [
    '## Collectives (µs per call, slowest rank, automatic algorithm)',
    '',
    "Size: the root's value (bcast), each operand (reduce, allreduce: Float64Array), or the whole array of np chunks (scatter, gather, allgather, alltoall: Uint8Array chunks of size/np bytes), or each rank's Float64Array cut into np blocks (scatterv, gatherv, allgatherv, alltoallv, reduce_scatter, reduce_scatter_block). mpi4py: bcast and allreduce of a numpy Float64 array as objects (pickled) and buffers; its barrier beside tsmpi's barrier; its small-object scatter/gather/allgather/alltoall beside tsmpi's 8 B ones; Alltoallv and Reduce_scatter of numpy buffers beside alltoallv and reduce_scatter.",
  ];
  for (const np of cfg.nps) {
    const here = vs.filter((v) => !v.partial || np === 4 || np === 2);
    L.push('', `### np=${np}`, '', ...header(['collective', 'size', ...here.map((v) => `tsmpi ${v.id}`), 'mpi4py objects', 'mpi4py buffers']));
    for (const c of kColls) {
      for (const s of c === 'barrier' ? [0] : cfg.collSizesAt(np)) {
        const mine = here.map((v) => get(tsmpiKey.coll(v.id, 'auto', np, c, s)));
        if (!mine.some((x) => x)) continue;
        let o: Stat | null = null,
          b: Stat | null = null;
        if (c === 'barrier') b = get(refKey.mpi4py(np, 'barrier', 0));
        else if (c === 'bcast' || c === 'allreduce') {
          o = get(refKey.mpi4py(np, `${c}_obj`, s));
          b = get(refKey.mpi4py(np, `${c}_buf`, s));
        } else if (c === 'alltoallv' || c === 'reduce_scatter') b = get(refKey.mpi4py(np, `${c}_buf`, s));
        else if ((c === 'scatter' || c === 'gather' || c === 'allgather' || c === 'alltoall') && s === 8) o = get(refKey.mpi4py(np, `${c}_obj`, 0));
        L.push(row([c, c === 'barrier' ? '—' : sizeName(s), ...mine.map((x) => fmt(x)), fmt(o), fmt(b)]));
      }
    }
  }
  return L;
}

function forced(cfg: BenchConfig, vs: Variant[]): string[] {
  const L = [
    '## Collectives, each algorithm forced (µs per call)',
    '',
    ...header(['collective', 'algorithm', 'size', ...cfg.nps.flatMap((np) => vs.map((v) => `np=${np} ${v.id}`))]),
  ];
  for (const c of kColls)
    for (const a of cfg.forced[c] ?? [])
      for (const s of c === 'barrier' ? [0] : cfg.collSizes) {
        const cells = cfg.nps.flatMap((np) => vs.map((v) => get(tsmpiKey.coll(v.id, a, np, c, s))));
        if (cells.some((x) => x)) L.push(row([c, a, c === 'barrier' ? '—' : sizeName(s), ...cells.map((x) => fmt(x))]));
      }
  return L;
}

/** The tsmpirun runners of the start-up tables: each variant, then each on Node 24 when it ran. */
function startupRunners(vs: Variant[]): { name: string; id: string }[] {
  return [
    ...vs.map((v) => ({ name: `tsmpirun, ${v.label}`, id: v.id })),
    ...(node24.path ? vs.map((v) => ({ name: `tsmpirun on Node ${node24.version.slice(1)}, ${v.label}`, id: node24Id(v.id) })) : []),
  ];
}

function startup(cfg: BenchConfig, vs: Variant[]): string[] {
  const ns = cfg.startup.map((s) => s.n);
  const runners: [string, (w: 'wall' | 'ready' | 'rss' | 'allreduce', n: number) => Stat | null][] = [
    ...startupRunners(vs).map(({ name, id }): [string, (w: 'wall' | 'ready' | 'rss' | 'allreduce', n: number) => Stat | null] => [
      name,
      (w, n) => get(tsmpiKey.startup(id, w, n)),
    ]),
    ['mpirun python3 (mpi4py, numpy)', (w, n) => get(refKey.startup(w, n))],
  ];
  const L = [
    '## Start-up and footprint (one barrier, ten 8 B allreduces; N > 2 oversubscribed on this machine)',
    '',
    "Launch to exit: wall time of the launcher. Ready: launch to the end of the first barrier on the slowest rank. RSS: each rank's resident size at the end, median over ranks and launches (min–max).",
    '',
  ];
  for (const [title, w] of [
    ['Launch to exit (ms)', 'wall'],
    ['Ready (ms)', 'ready'],
    ['RSS per rank (MiB)', 'rss'],
    ['8 B allreduce right after start-up, mean of ten calls without warm-up (µs)', 'allreduce'],
  ] as const) {
    L.push(
      `### ${title}`,
      '',
      ...header(['runner', ...ns.map((n) => `N=${n}`)]),
      ...runners.map(([name, f]) => row([name, ...ns.map((n) => fmt(f(w, n)))])),
      '',
    );
  }
  return L;
}

function phases(cfg: BenchConfig, vs: Variant[]): string[] {
  const L = [
    '## Start-up by phase (ms)',
    '',
    "Where the launch-to-exit time of the start-up jobs goes. Each cell: the phase's duration, and in parentheses the time since the launch at its end; both the median over launches of the slowest rank's (bench/programs/startup.ts; durations are medians of each launch's own difference, so they need not add up exactly). mpirun's program only reports the end of its first barrier.",
  ];
  const spans: [StartupPhase, StartupPhase | 'wall', string][] = [
    ['spawn', 'nodeStart', "launcher start and spawn → rank's Node started"],
    ['boot', 'programStart', "Node boot, preload, TypeScript loader → program's first line"],
    ['world', 'worldReady', 'tsmpi import and rendezvous → world ready'],
    ['barrier', 'barrierEnd', 'first barrier'],
    ['exit', 'wall', 'exit (launch to exit − barrier end)'],
  ];
  const ms = (x: Stat | null) => (x ? num(x.median) : '—');
  for (const { n } of cfg.startup) {
    const runners = startupRunners(vs).filter(({ id }) => get(tsmpiKey.phase(id, 'barrierEnd', n)) !== null);
    const mp = get(refKey.startup('ready', n));
    if (runners.length === 0 && !mp) continue;
    L.push('', `### -n ${n}`, '', ...header(['runner', ...spans.map(([, , name]) => name)]));
    for (const { name, id } of runners) {
      L.push(
        row([
          name,
          ...spans.map(
            ([span, point]) =>
              `${ms(get(tsmpiKey.phase(id, span, n)))} (${ms(get(point === 'wall' ? tsmpiKey.startup(id, 'wall', n) : tsmpiKey.phase(id, point, n)))})`,
          ),
        ]),
      );
    }
    if (mp)
      L.push(
        row([
          'mpirun python3 (mpi4py, numpy)',
          '—',
          '—',
          '—',
          `— (${ms(mp)})`,
          `${ms(get(refKey.startup('exit', n)))} (${ms(get(refKey.startup('wall', n)))})`,
        ]),
      );
  }
  return L;
}

function betweenHosts(vs: Variant[]): string[] {
  const big = 16 * MiB;
  const ts = vs.filter((v) => v.id === 'zmq');
  const L = [
    '## Between two test hosts (np=2, one rank or end on each; ZeroMQ over TCP)',
    '',
    "Ping-pong and streaming between two network-namespace hosts of the test cluster (test/cluster, a veth bridge on this machine): tsmpi through `tsmpirun --host h1:1,h2:1` (CURVE: tsmpirun refuses TSMPI_ENCRYPTION=off between hosts), raw zeromq.js PAIR over TCP with and without CURVE. Ratio: tsmpi's time / zeromq.js CURVE's.",
    '',
  ];
  const rows: [string, (v: string) => Stat | null, (curve: boolean) => Stat | null, boolean][] = [
    ['8 B half round trip (µs)', (v) => get(tsmpiKey.hosts(v, 'pp', 8)), (c) => get(refKey.zmqHosts('pp', 8, c)), false],
    ['16 MiB half round trip (µs)', (v) => get(tsmpiKey.hosts(v, 'pp', big)), (c) => get(refKey.zmqHosts('pp', big, c)), false],
    ['16 MiB streaming (MB/s)', (v) => get(tsmpiKey.hosts(v, 'stream', big)), (c) => get(refKey.zmqHosts('stream', big, c)), true],
  ];
  if (!rows.some(([, t, r]) => r(true) || r(false) || ts.some((v) => t(v.id))))
    return [...L, 'Not measured in this run (see Notes: the test hosts need root and network namespaces).'];
  L.push(...header(['figure', ...ts.map((v) => `tsmpi ${v.id}`), 'zeromq.js CURVE', 'zeromq.js plain', ...ts.map((v) => `ratio ${v.id}`)]));
  for (const [name, t, r, rate] of rows) {
    L.push(
      row([
        name,
        ...ts.map((v) => fmt(t(v.id))),
        fmt(r(true)),
        fmt(r(false)),
        ...ts.map((v) => rfmt(rate ? ratio(r(true), t(v.id)) : ratio(t(v.id), r(true)))),
      ]),
    );
  }
  return L;
}

function loadedTable(vs: Variant[]): string[] {
  const L = [
    `## Collectives beside ${kBusyLoops} busy loops (np=4, 8 B, µs per call)`,
    '',
    `The 8 B collectives of step "coll np=4" measured again while ${kBusyLoops} busy-looping Node processes compete for the CPUs (step "coll np=4 loaded"); quiet → loaded, and the slowdown (loaded / quiet). mpi4py: objects (its barrier: Barrier).`,
    '',
    ...header(['collective', ...vs.map((v) => `tsmpi ${v.id}`), 'mpi4py objects']),
  ];
  let any = false;
  for (const c of kLoadedColls) {
    const size = c === 'barrier' ? 0 : 8,
      metric = c === 'barrier' ? 'barrier' : `${c}_obj`,
      refSize = c === 'bcast' || c === 'allreduce' ? 8 : 0;
    const cell = (q: Stat | null, l: Stat | null) => (q || l ? `${time(q?.median ?? NaN)} → ${time(l?.median ?? NaN)} (×${num(ratio(l, q))})` : '—');
    const cells = [
      ...vs.map((v) => cell(get(tsmpiKey.coll(v.id, 'auto', 4, c, size)), get(tsmpiKey.loaded(v.id, 4, c, size)))),
      cell(get(refKey.mpi4py(4, metric, refSize)), get(refKey.mpi4pyLoaded(4, metric, refSize))),
    ];
    any ||= vs.some((v) => get(tsmpiKey.loaded(v.id, 4, c, size))) || get(refKey.mpi4pyLoaded(4, metric, refSize)) !== null;
    L.push(row([c, ...cells]));
  }
  return any ? L : L.slice(0, 2).concat(['Not measured in this run.']);
}

function sharedTable(vs: Variant[]): string[] {
  const names: Record<SharedMetric, string> = {
    counterMs: 'each of 4 ranks adds 1,000,000 to one shared counter (ms; Python: Value with its lock)',
    handoffsPerS: 'lock hand-offs per second, 4 ranks each taking it 2000 times (Python: not measured)',
    allocateMs: 'allocate a 64 MiB shared Float64Array (ms; Python: SharedMemory(create=True))',
    fillMs: 'fill it, a[i] = i, each rank its quarter (ms; Python: numpy a[lo:hi] = arange)',
    sumMs: 'sum it, each rank its quarter, then the four (ms; Python: numpy sum)',
  };
  const L = [
    '## Shared arrays (issue 16), np=4',
    '',
    ...header(['figure', 'Python', ...vs.map((v) => `tsmpi ${v.label}`), ...vs.map((v) => `ratio ${v.label}`)]),
  ];
  for (const m of kSharedMetrics) {
    const py = get(refKey.shared(m));
    L.push(row([names[m], fmt(py), ...vs.map((v) => fmt(get(tsmpiKey.shared(v.id, m)))), ...vs.map((v) => num(ratio(get(tsmpiKey.shared(v.id, m)), py)))]));
  }
  return L;
}

function memoryTables(vs: Variant[]): string[] {
  const L: string[] = [];
  const med = (a: number[]) => stat(a);
  for (const v of vs) {
    const m = memory[v.id];
    if (!m) continue;
    const r = (name: string, s: Sample) => row([name, fmt(med(s.rss)), fmt(med(s.heap))]);
    const g = memoryGrowth(v.id)!;
    L.push(
      `## Memory, tsmpi ${v.label} (MiB per rank, np=4, median over ranks (min–max), after a GC)`,
      '',
      ...header(['point', 'RSS', 'V8 heap used']),
      r('idle (after one barrier)', m.idle),
      r('after a 16 MiB bcast', m.afterBcast),
      r(`after ${Math.floor(m.iters / 10)} warm-up allreduces`, m.start),
      r('half-way', m.middle),
      r(`after ${m.iters} allreduces`, m.end),
      '',
      `Worst rank's growth after the warm-up: heap ${num(g.heap)} MiB, RSS ${num(g.rss)} MiB (second half ${num(g.rssSecondHalf)} MiB).`,
      '',
    );
  }
  return L;
}

function allocTable(cfg: BenchConfig, vs: Variant[]): string[] {
  const names: Record<AllocCall, string> = {
    allreduce: '`allreduce(x, SUM)`',
    alltoallv: '`alltoallv(x, equal counts)`',
    reduceScatter: '`reduceScatter(x, equal counts, SUM)`',
    ring: 'ring `send` + `recv` / `recvInto`',
  };
  const L = [
    `## Allocations per solver iteration (bytes per iteration, np=${kAllocNp})`,
    '',
    "Bytes allocated per iteration of a loop of one call on a Float64Array x of the given elements (bench/programs/alloc-per-iteration.ts): V8 heap used plus ArrayBuffer memory read after every iteration, the mean over 30 windows of 10 iterations in which no garbage collection ran, the largest rank's. *new result*: the call returns a new array; *recvbuf / recvInto*: the result goes into memory the loop keeps (`{ recvbuf }`; the ring exchange `recvInto` instead of `recv`). One launch per transport and element count; a measurement of allocation, not of time: no spread, no ratio, no target.",
    '',
    ...header(['call', 'elements', ...vs.flatMap((v) => [`new result ${v.id}`, `recvbuf / recvInto ${v.id}`])]),
  ];
  const count = (x: number): string => Math.round(x).toLocaleString('en-US');
  const bytes = (s: Stat | null): string => (s ? count(s.median) : '—');
  let any = false;
  for (const c of kAllocCalls) {
    for (const n of cfg.allocElements) {
      const cells = vs.flatMap((v) => [get(tsmpiKey.alloc(v.id, kAllocNp, c, n, 'new')), get(tsmpiKey.alloc(v.id, kAllocNp, c, n, 'into'))]);
      any ||= cells.some((x) => x);
      L.push(row([names[c], `${count(n)} (${sizeName(n * 8)})`, ...cells.map(bytes)]));
    }
  }
  return any ? L : L.slice(0, 2).concat(['Not measured in this run.']);
}
