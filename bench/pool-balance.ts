// Load balancing of the task pool: 200 uneven tasks (seeded 0–40 ms sleeps, and a heavy tail
// of 10 long tasks after 190 short ones) run serially, as a static contiguous split over the
// ranks (scatter/compute/gather) and through the dynamic pool, at np = 4 and 8; then a lazy
// million-item imap (items/s, peak items in flight, driver RSS). Prints markdown tables and
// writes them to bench/report/pool-balance.md.
//   npm run build && npx tsx bench/pool-balance.ts [--reps 5] [--np 4,8]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startReport } from './lib/report-file.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const launcher = path.join(root, 'dist/launcher/cli.js');
const program = path.join(root, 'bench/programs/pool-balance.ts');

function opt(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}
const reps = opt('reps', '5');
const nps = opt('np', '4,8').split(',').map(Number);

/** One job; its BENCH lines as objects. A failed job ends the benchmark with its output. */
function job(np: number, args: string[]): Promise<Array<Record<string, any>>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [launcher, '--timeout', '600', '--oversubscribe', '-n', String(np), program, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`np=${np} failed (exit ${code}):\n${stdout}\n${stderr}`));
      else
        resolve(
          stdout
            .split('\n')
            .filter((l) => l.startsWith('BENCH '))
            .map((l) => JSON.parse(l.slice(6))),
        );
    });
  });
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (s: number): string => (s * 1000).toFixed(0);
const x = (serial: number, t: number): string => `${(serial / t).toFixed(2)}×`;

if (!existsSync(launcher)) {
  console.error('dist/launcher/cli.js is missing: run `npm run build` first');
  process.exit(1);
}

const report = await startReport('pool-balance', 'bench/pool-balance.ts');
const balance: Array<Record<string, any>> = [];
const lazy: Array<Record<string, any>> = [];
for (const np of nps) {
  // Serial time does not depend on np: measured in the first job only.
  const records = await job(np, ['--reps', reps, '--serial', np === nps[0] ? reps : '0', '--lazy', np === nps[0] ? '1000,100' : '1000']);
  balance.push(...records.filter((r) => r.kind === 'balance'));
  lazy.push(...records.filter((r) => r.kind === 'lazy'));
  console.error(`np=${np} done`);
}

const serialOf = new Map(balance.filter((r) => r.serial.length > 0).map((r) => [r.case, median(r.serial)]));
const lines: string[] = [];
lines.push(`Medians of ${reps} run${reps === '1' ? '' : 's'}. Tasks sleep, so ranks beyond the CPU count still overlap.`, '');
lines.push(
  '| case | np | serial (ms) | static split, np ranks (ms) | speedup | pool, np−1 workers, chunksize 1 (ms) | speedup | pool, default chunksize (ms) | speedup |',
);
lines.push('|---|---|---|---|---|---|---|---|---|');
for (const r of balance) {
  const serial = serialOf.get(r.case)!;
  const label = r.case === 'uniform' ? 'uniform 0–40 ms' : 'heavy tail (10 × 200 ms last)';
  const st = median(r.static);
  const p1 = median(r.pool1);
  const pd = median(r.poolDefault);
  const chunk = Math.ceil(r.tasks / (4 * r.workers));
  lines.push(
    `| ${label}, sum ${r.sumMs} ms | ${r.np} | ${ms(serial)} | ${ms(st)} | ${x(serial, st)} | ${ms(p1)} | ${x(serial, p1)} | ${ms(pd)} (chunksize ${chunk}) | ${x(serial, pd)} |`,
  );
}
lines.push(
  '',
  '| lazy imap of a generator | np | chunksize | items/s | peak items in flight | bound (workers × 2 × chunksize) | generator ahead of consumer, max | driver RSS before → peak (MB) |',
);
lines.push('|---|---|---|---|---|---|---|---|');
for (const r of lazy) {
  lines.push(
    `| ${r.items.toLocaleString('en-US')} items, square | ${r.np} | ${r.chunksize} | ${Math.round(r.itemsPerSecond).toLocaleString('en-US')} | ${r.peakInFlight} | ${r.bound} | ${r.ahead} | ${r.rssBeforeMB.toFixed(0)} → ${r.rssPeakMB.toFixed(0)} |`,
  );
}
const table = lines.join('\n');
console.log(table);
console.error(`written: ${path.relative(root, report.write('Task pool: load balancing and lazy imap', table))}`);
