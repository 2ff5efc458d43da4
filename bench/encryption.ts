// What CURVE encryption costs on the data plane (issue 4, item 7): bench/programs/encryption.ts
// through the real launcher over ZeroMQ (TSMPI_TRANSPORT=zmq) with CURVE on (the default) and
// with TSMPI_ENCRYPTION=off, and for comparison over shared memory (TSMPI_TRANSPORT=auto, the
// default on one host, never encrypted); each at -n 2 (ping-pongs of 8 B, 64 KiB and 16 MiB,
// bcast 16 MiB) and -n 4 (bcast 16 MiB), unpinned and with the whole job (launcher and ranks)
// pinned to one CPU (taskset -c 0). Every launch gives the median of its repetitions; a figure is
// the median over --runs launches, the variants interleaved so that a machine getting busier
// weighs on all of them alike. Prints the tables and writes them to bench/report/encryption.md.
//   npm run build && npx tsx bench/encryption.ts [--runs 3]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startReport } from './lib/report-file.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const launcher = path.join(root, 'dist/launcher/cli.js');
const program = 'bench/programs/encryption.ts';
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
};
const runs = Number(arg('runs', '3'));
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs must be a positive integer, not ${arg('runs', '')}`);
  process.exit(2);
}
if (!existsSync(launcher)) {
  console.error('dist/launcher/cli.js is missing: run `npm run build` first');
  process.exit(1);
}

interface Variant {
  name: string;
  env: Record<string, string>;
}
const variants: Variant[] = [
  { name: 'ZeroMQ, CURVE (default)', env: { TSMPI_TRANSPORT: 'zmq', TSMPI_ENCRYPTION: 'on' } },
  { name: 'ZeroMQ, `TSMPI_ENCRYPTION=off`', env: { TSMPI_TRANSPORT: 'zmq', TSMPI_ENCRYPTION: 'off' } },
  { name: 'shared memory (`TSMPI_TRANSPORT=auto`)', env: { TSMPI_TRANSPORT: 'auto', TSMPI_ENCRYPTION: 'on' } },
];
const nps = [2, 4];
const rows: { key: string; label: string; np: number }[] = [
  { key: 'pingpong8B', label: 'ping-pong 8 B, round trip', np: 2 },
  { key: 'pingpong64KiB', label: 'ping-pong 64 KiB, round trip', np: 2 },
  { key: 'pingpong16MiB', label: 'ping-pong 16 MiB, round trip', np: 2 },
  { key: 'bcast16MiB_np2', label: 'bcast 16 MiB, 2 ranks', np: 2 },
  { key: 'bcast16MiB_np4', label: 'bcast 16 MiB, 4 ranks', np: 4 },
];

/** One launch; rank 0's JSON line (µs per operation). A failed launch ends the benchmark. */
function launch(variant: Variant, np: number, pinned: boolean): Promise<Record<string, number>> {
  const command = [...(pinned ? ['taskset', '-c', '0'] : []), process.execPath, launcher, '--timeout', '600', '-n', String(np), program];
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { cwd: root, env: { ...process.env, ...variant.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || line === undefined) reject(new Error(`${variant.name} -n ${np}${pinned ? ' pinned' : ''}: exit ${code}\n${out}\n${err}`));
      else resolve(JSON.parse(line) as Record<string, number>);
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
/** Milliseconds from microseconds, with about three significant digits. */
const ms = (us: number): string => {
  const v = us / 1000;
  return v < 1 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0);
};
/** MB/s of a 16 MiB ping-pong: both directions' bytes over the round trip. */
const mbps = (us: number): string => ((2 * 16 * 1024 * 1024) / us).toFixed(0);

const report = await startReport('encryption', 'bench/encryption.ts');
// figures[variant][pinned][key]: one value per launch
const figures = new Map<string, number[]>();
const at = (v: Variant, pinned: boolean, key: string): number[] => {
  const k = `${v.name}|${pinned}|${key}`;
  if (!figures.has(k)) figures.set(k, []);
  return figures.get(k)!;
};
for (let r = 0; r < runs; r++) {
  for (const pinned of [false, true]) {
    for (const np of nps) {
      for (const v of variants) {
        const got = await launch(v, np, pinned);
        for (const [key, us] of Object.entries(got)) at(v, pinned, key).push(us);
        process.stderr.write('.');
      }
    }
  }
}
process.stderr.write('\n');

const cell = (v: Variant, key: string, f: (us: number) => string): string => `${f(median(at(v, false, key)))} / ${f(median(at(v, true, key)))}`;
const lines: string[] = [
  `${program} through \`tsmpirun\`: ping-pongs between ranks 0 and 1 at -n 2 (round trip, median of 200, 50 and 5 repetitions for 8 B, 64 KiB and 16 MiB), bcast of 16 MiB from rank 0 (barrier to barrier, median of 4 repetitions) at -n 2 and -n 4. Shared memory is never encrypted; it is here as the default on one host.`,
  '',
  `Medians over ${runs} launch${runs === 1 ? '' : 'es'} of each launch's median (ms; unpinned / whole job pinned with \`taskset -c 0\`):`,
  '',
  `| | ${variants.map((v) => v.name).join(' | ')} |`,
  `|---|${variants.map(() => '---|').join('')}`,
  ...rows.map((row) => `| ${row.label} | ${variants.map((v) => `${cell(v, row.key, ms)} ms`).join(' | ')} |`),
  `| ping-pong 16 MiB, MB/s (2 × 16 MiB / round trip) | ${variants.map((v) => cell(v, 'pingpong16MiB', mbps)).join(' | ')} |`,
  '',
  'Every launch (ms), for the spread:',
  '',
  `| | pinned | ${variants.map((v) => v.name).join(' | ')} |`,
  `|---|---|${variants.map(() => '---|').join('')}`,
];
for (const row of rows)
  for (const pinned of [false, true])
    lines.push(`| ${row.label} | ${pinned ? 'yes' : 'no'} | ${variants.map((v) => at(v, pinned, row.key).map(ms).join(', ')).join(' | ')} |`);
const body = lines.join('\n');
console.log(body);
console.error(`written: ${path.relative(root, report.write('Cost of encryption on the data plane', body))}`);
