// What --trace costs: 8 B ping-pong latency (half a round trip) and 8 B allreduce at -n 2, with
// tracing off and on, each the median of --runs launches (every launch gives the median of its
// repetitions), unpinned and pinned to one CPU (taskset -c 0). With --baseline DIR (a built
// checkout of the code before --trace existed) that code is measured too, for the cost of the
// off path. Also the rank-side cost alone, without transport or wake-ups (one process sending
// to itself: bench/programs/self-messages.ts, copied into the baseline if it lacks it), and the
// size of the trace file per message sent (its spans, flows and share of collective spans).
// The ranks use the default transport (shared memory on one host); the baseline predates shared
// memory, so it is compared with tracing off over ZeroMQ (TSMPI_TRANSPORT=zmq), measured too.
// Prints the table and writes it to bench/report/trace-overhead.md.
//   npm run build && npx tsx bench/trace-overhead.ts [--runs 5] [--baseline /tmp/tsmpi-base]
// A baseline: `git archive e5fc8dc | tar -x -C /tmp/tsmpi-base`, then `npm ci` (or a link to this
// checkout's node_modules) and `npm run build` there.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startReport } from './lib/report-file.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const runs = Number(arg('runs', '5'));
const baseline = arg('baseline', '');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tsmpi-trace-bench-'));

interface Mode {
  name: string;
  dir: string;
  trace: boolean;
  env?: NodeJS.ProcessEnv;
}
const kZmq = 'tracing off, TSMPI_TRANSPORT=zmq';
const modes: Mode[] = [
  ...(baseline === ''
    ? []
    : [
        { name: 'before --trace (baseline)', dir: baseline, trace: false },
        { name: kZmq, dir: root, trace: false, env: { TSMPI_TRANSPORT: 'zmq' } },
      ]),
  { name: 'tracing off', dir: root, trace: false },
  { name: 'tracing on', dir: root, trace: true },
];
const benches: { name: string; program: string; args: string[]; self?: boolean }[] = [
  { name: 'send+recv to itself, one process (µs per pair)', program: 'bench/programs/self-messages.ts', args: ['20000'], self: true },
  {
    name: '8 B ping-pong latency (µs)',
    program: 'bench/programs/p2p.ts',
    args: ['--sizes', '8', '--kinds', 'typed', '--metrics', 'latency', '--reps', '5', '--target-ms', '150'],
  },
  { name: '8 B allreduce (µs)', program: 'bench/programs/coll.ts', args: ['--colls', 'allreduce', '--sizes', '8', '--reps', '5', '--target-ms', '150'] },
];

if (baseline !== '' && !existsSync(path.join(baseline, benches[0].program)))
  copyFileSync(path.join(root, benches[0].program), path.join(baseline, benches[0].program));

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${err}`))));
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One launch: the median of its repetitions, and the trace's bytes and events when traced. */
async function once(mode: Mode, bench: (typeof benches)[number], pinned: boolean, i: number): Promise<{ us: number; bytesPerMessage?: number }> {
  const traceFile = path.join(tmp, `t-${i}.json`);
  const launcher = bench.self
    ? ['--import', 'tsx', bench.program, ...bench.args]
    : ['dist/launcher/cli.js', '-n', '2', ...(mode.trace ? ['--trace', traceFile] : []), bench.program, ...bench.args];
  // Without a launcher, the environment is how a rank is told to record.
  const env = { ...mode.env, ...(bench.self && mode.trace ? { TSMPI_TRACE: '1' } : {}) };
  const command = pinned ? ['taskset', '-c', '0', process.execPath, ...launcher] : [process.execPath, ...launcher];
  const out = await run(command[0], command.slice(1), mode.dir, env);
  const line = out.split('\n').find((l) => l.startsWith('BENCH '));
  if (line === undefined) throw new Error(`no BENCH line in:\n${out}`);
  const record = JSON.parse(line.slice(6)) as { rows: { reps: number[] }[] };
  const result: { us: number; bytesPerMessage?: number } = { us: median(record.rows[0].reps) };
  if (mode.trace && !bench.self) {
    const messages = readFileSync(traceFile, 'utf8').split('"name":"send"').length - 1;
    result.bytesPerMessage = statSync(traceFile).size / messages;
  }
  return result;
}

const report = await startReport('trace-overhead', 'bench/trace-overhead.ts');
const results: string[] = [];
let i = 0;
for (const pinned of [false, true]) {
  for (const bench of benches) {
    const per = new Map<string, number[]>(modes.map((m) => [m.name, []]));
    const bytesPerMessage: number[] = [];
    // Modes interleaved, so a machine that gets busier mid-way weighs on all of them alike.
    for (let r = 0; r < runs; r++) {
      for (const mode of modes) {
        const got = await once(mode, bench, pinned, i++);
        per.get(mode.name)!.push(got.us);
        if (got.bytesPerMessage !== undefined) bytesPerMessage.push(got.bytesPerMessage);
        process.stderr.write('.');
      }
    }
    const off = median(per.get('tracing off')!);
    const on = median(per.get('tracing on')!);
    // The minimum beside the median: on a shared machine it is the figure other load disturbs least.
    const cells = modes.map((m) => `${median(per.get(m.name)!).toFixed(1)} (${Math.min(...per.get(m.name)!).toFixed(1)})`);
    const base = baseline === '' ? '' : ` | ${(median(per.get(kZmq)!) - median(per.get(modes[0].name)!)).toFixed(1)}`;
    results.push(
      `| ${bench.name} | ${pinned ? 'taskset -c 0' : 'no'} | ${cells.join(' | ')} | ${(on - off).toFixed(1)}${base} | ${bytesPerMessage.length === 0 ? '—' : `${median(bytesPerMessage).toFixed(0)} B`} |`,
    );
  }
}
process.stderr.write('\n');
const header = `| benchmark (-n 2, median (min) of ${runs} launches) | pinned | ${modes.map((m) => m.name).join(' | ')} | on − off (medians)${baseline === '' ? '' : ' | off over ZeroMQ − baseline (medians)'} | trace file per message sent |`;
const table = [header, `|${' --- |'.repeat(header.split('|').length - 2)}`, ...results].join('\n');
console.log(table);
const intro = [
  `Each benchmark at -n 2 through \`tsmpirun\` (the one-process row without it), ${runs} launch${runs === 1 ? '' : 'es'} per cell, the variants interleaved; a cell is the median over launches of each launch's median (µs), the minimum over launches in parentheses.`,
  '',
  baseline === ''
    ? 'No baseline given (--baseline DIR): the code before --trace is not measured.'
    : `Baseline (before --trace): the built checkout in \`${baseline}\`; it predates shared memory, so it is compared with tracing off over ZeroMQ (TSMPI_TRANSPORT=zmq). The other columns use the default transport (shared memory between the two ranks).`,
  '',
].join('\n');
console.error(`written: ${path.relative(root, report.write('What --trace costs', `${intro}\n${table}`))}`);
rmSync(tmp, { recursive: true, force: true });
