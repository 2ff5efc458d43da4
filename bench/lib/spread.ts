// Whether this run's reference figures are within their usual spread. A headline ratio is only
// as good as its reference: on these VMs mpi4py or multiprocessing sometimes run in a slow mode
// for minutes, which flatters tsmpi (or the other way). bench/anchors/usual-spread.json holds,
// per reference figure, the range of medians over earlier runs on this machine kind (written by
// bench/usual-spread.ts); a figure is usual when its median lies within that range widened by
// kMargin on each side.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { root } from './proc.js';
import { get } from './results.js';
import { num } from './stats.js';

export const spreadFile = path.join(root, 'bench', 'anchors', 'usual-spread.json');
export const kMargin = 0.1;

export interface UsualSpread {
  machine: string;
  runs: number;
  updated: string;
  figures: Record<string, { lo: number; hi: number; n: number }>;
}

export function loadSpread(): UsualSpread | null {
  return existsSync(spreadFile) ? (JSON.parse(readFileSync(spreadFile, 'utf8')) as UsualSpread) : null;
}

export interface SpreadCheck {
  key: string;
  median: number;
  lo: number;
  hi: number;
  n: number;
  usual: boolean | null;
}

export function checkSpread(keys: string[], spread: UsualSpread | null): SpreadCheck[] {
  return [...new Set(keys)].map((key) => {
    const s = get(key),
      u = spread?.figures[key];
    const median = s?.median ?? NaN;
    if (!u || !s) return { key, median, lo: u?.lo ?? NaN, hi: u?.hi ?? NaN, n: u?.n ?? 0, usual: null };
    return { key, median, lo: u.lo, hi: u.hi, n: u.n, usual: median >= u.lo * (1 - kMargin) && median <= u.hi * (1 + kMargin) };
  });
}

export function spreadTable(checks: SpreadCheck[], spread: UsualSpread | null): string[] {
  if (!spread)
    return [
      'No usual spread recorded (bench/anchors/usual-spread.json): run `npx tsx bench/usual-spread.ts` after a few `npm run bench -- --references-only` runs.',
    ];
  const out = checks.filter((c) => c.usual === false).length;
  const unknown = checks.filter((c) => c.usual === null).length;
  return [
    `Usual spread: range of the medians of ${spread.runs} earlier runs (${spread.machine}, ${spread.updated}), widened by ${kMargin * 100}% each side. ` +
      (out === 0
        ? `**Every reference of the headline${unknown ? ' with a record' : ''} is within its usual spread.**${unknown ? ` ${unknown} without a record yet (new references: \`npx tsx bench/usual-spread.ts\` after a few runs records them).` : ''}`
        : `**${out} reference figure(s) outside their usual spread${unknown ? `, ${unknown} without a record` : ''}: do not quote this run's headline ratios.**`),
    '',
    '| reference figure | this run (median) | usual (lo–hi) | runs | within |',
    '|---|---|---|---|---|',
    ...checks.map(
      (c) => `| ${c.key} | ${num(c.median)} | ${num(c.lo)}–${num(c.hi)} | ${c.n} | ${c.usual === null ? 'no record' : c.usual ? 'yes' : '**no**'} |`,
    ),
  ];
}
