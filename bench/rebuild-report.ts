// Builds the markdown report again from the JSON of one or more runs (bench/report/runs/*.json,
// latest.json), e.g. to read the figures of a few `npm run bench -- --only ...` tries together.
// Figures of later files replace those of earlier ones under the same key; steps, notes and
// failures add up. Prints the report (or writes it with --out FILE); never touches latest.*.
//   npx tsx bench/rebuild-report.ts bench/report/runs/A.json bench/report/runs/B.json [--out /tmp/r.md]
import { readFileSync, writeFileSync } from 'node:fs';
import { config, type Variant } from './lib/config.js';
import { targets } from './lib/headline.js';
import { log } from './lib/proc.js';
import { buildReport, type StepInfo } from './lib/report.js';
import { figures, memory, type MemoryRecord } from './lib/results.js';
import { checkSpread, loadSpread } from './lib/spread.js';
import { node24 } from './lib/tsmpi.js';

interface Run {
  mode: 'quick' | 'full';
  seconds: number;
  machine: { loadAtStart: string };
  protocol: ReturnType<typeof config>['protocol'];
  variants: Variant[];
  node24?: { path: string | null; version: string };
  steps: StepInfo[];
  figures: Record<string, number[]>;
  memory: Record<string, MemoryRecord>;
  failures: { what: string; why: string }[];
  notes: string[];
  referencesOnly?: boolean;
}

const argv = process.argv.slice(2);
const outAt = argv.indexOf('--out');
const out = outAt >= 0 ? argv[outAt + 1] : undefined;
const files = argv.filter((_, i) => outAt < 0 || (i !== outAt && i !== outAt + 1));
if (files.length === 0) {
  console.error('usage: npx tsx bench/rebuild-report.ts RUN.json... [--out FILE]');
  process.exit(2);
}
const runs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Run);
const steps: StepInfo[] = [];
let seconds = 0;
for (const r of runs) {
  Object.assign(figures, r.figures);
  Object.assign(memory, r.memory);
  if (r.node24?.path) Object.assign(node24, r.node24);
  steps.push(...r.steps);
  seconds += r.seconds;
  log.failures.push(...r.failures);
  for (const n of r.notes) if (!log.notes.includes(n)) log.notes.push(n);
}
const last = runs[runs.length - 1]!;
const cfg = config(last.mode === 'full');
cfg.protocol = last.protocol;
const np64 = Math.max(...cfg.startup.map((s) => s.n));
const rows = targets(last.variants, np64, cfg.memIters, node24.version);
const spread = loadSpread();
const checks = checkSpread(
  rows.flatMap((r) => (r.referenceKey ? [r.referenceKey] : [])),
  spread,
);
const md = buildReport({
  cfg,
  variants: last.variants,
  targets: rows,
  checks,
  spread,
  steps,
  seconds,
  startLoad: last.machine.loadAtStart,
  referencesOnly: last.referencesOnly ?? false,
});
if (out) writeFileSync(out, md);
else console.log(md);
