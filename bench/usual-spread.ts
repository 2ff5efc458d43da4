// Records the usual spread of the reference figures on this machine kind, for the reference
// check of bench/run.ts: for every reference figure (any key not under tsmpi/), the range of its
// medians over the given runs. Runs that other processes disturbed (bench/lib/quiet.ts) or that
// were interrupted are left out. Writes bench/anchors/usual-spread.json (committed).
//   npm run bench -- --references-only     (a few times, ideally at different times of day)
//   npx tsx bench/usual-spread.ts [RUN.json ...]   (default: every bench/report/runs/*.json)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { root } from './lib/proc.js';
import { disturbed, type StepInfo } from './lib/report.js';
import { spreadFile, type UsualSpread } from './lib/spread.js';

const dir = path.join(root, 'bench', 'report', 'runs');
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => path.join(dir, f));
const medians: Record<string, number[]> = {};
const machines = new Set<string>();
let runs = 0,
  skipped = 0;
for (const file of files) {
  const run = JSON.parse(readFileSync(file, 'utf8')) as {
    final?: boolean;
    steps?: StepInfo[];
    machine: { cpus: number; model: string };
    stats: Record<string, { median: number } | null>;
  };
  if (run.final === false || !run.steps || disturbed(run.steps).length > 0) {
    skipped++;
    continue;
  }
  runs++;
  machines.add(`${run.machine.cpus} × ${run.machine.model}`);
  for (const [key, s] of Object.entries(run.stats)) if (s && !key.startsWith('tsmpi/')) (medians[key] ??= []).push(s.median);
}
if (runs === 0) {
  console.error(
    `no usable runs among ${files.length} (${skipped} disturbed or interrupted): run \`npm run bench -- --references-only --wait-quiet 600\` first`,
  );
  process.exit(1);
}
const spread: UsualSpread = {
  machine: [...machines].join('; '),
  runs,
  updated: new Date().toISOString().slice(0, 10),
  figures: Object.fromEntries(
    Object.entries(medians)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, { lo: Math.min(...v), hi: Math.max(...v), n: v.length }]),
  ),
};
writeFileSync(spreadFile, `${JSON.stringify(spread, null, 1)}\n`);
console.log(
  `wrote ${path.relative(root, spreadFile)}: ${Object.keys(spread.figures).length} reference figures from ${runs} runs on ${spread.machine} (${skipped} disturbed or interrupted runs left out)`,
);
