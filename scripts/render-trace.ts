// Renders a Chrome trace written by `tsmpirun --trace FILE` as a self-contained HTML page (one
// SVG): a lane per rank (rows inside it for overlapping and nested spans), spans coloured by
// kind, an arrow from each send to its receive, a time axis in ms. For a picture of a trace
// where Perfetto's UI cannot be reached (the README's screenshot, scripts/trace-screenshot.sh).
//   npx tsx scripts/render-trace.ts trace.json out.html [--title TEXT] [--width 1400] [--after-init]
// --after-init starts the axis where the job had formed (the ranks' joining is cut short).
import { readFileSync, writeFileSync } from 'node:fs';
import type { TraceEvent as Event } from '../src/launcher/profile/trace-events.js';

const [input, output] = process.argv.slice(2);
if (input === undefined || output === undefined) {
  process.stderr.write('usage: render-trace.ts trace.json out.html [--title TEXT] [--width PX]\n');
  process.exit(2);
}
const option = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const width = Number(option('width', '1400'));
const title = option('title', input);

const events = (JSON.parse(readFileSync(input, 'utf8')) as { traceEvents: Event[] }).traceEvents;
const spans = events.filter((e) => e.ph === 'X');
const ranks = [...new Set(events.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => e.pid))].sort((a, b) => a - b);
const hostOf = new Map(events.filter((e) => e.name === 'process_labels').map((e) => [e.pid, String(e.args?.labels ?? '')]));

const kColours: Record<string, string> = {
  collective: '#4c78a8',
  send: '#f58518',
  recv: '#54a24b',
  wait: '#b279a2',
  init: '#bab0ac',
};
const colourOf = (e: Event): string => (e.name === 'init' ? kColours.init : e.cat === 'message' ? kColours[e.name] : (kColours[e.cat ?? ''] ?? '#888'));

// Rows: per rank, one per (track, nesting depth) in use.
const rowOf = new Map<Event, number>();
const rowsOfRank = new Map<number, number>();
for (const rank of ranks) {
  const mine = spans.filter((e) => e.pid === rank).sort((a, b) => a.tid - b.tid || a.ts - b.ts || b.dur! - a.dur!);
  const rowKeys = new Map<string, number>();
  const open = new Map<number, number[]>();
  for (const e of mine) {
    const stack = open.get(e.tid) ?? [];
    open.set(e.tid, stack);
    while (stack.length > 0 && stack[stack.length - 1] <= e.ts) stack.pop();
    const key = `${e.tid} ${stack.length}`;
    stack.push(e.ts + e.dur!);
    if (!rowKeys.has(key)) rowKeys.set(key, rowKeys.size);
    rowOf.set(e, rowKeys.get(key)!);
  }
  // Rows in track order, depth order within a track.
  const ordered = [...rowKeys.keys()].sort((a, b) => {
    const [ta, da] = a.split(' ').map(Number);
    const [tb, db] = b.split(' ').map(Number);
    return ta - tb || da - db;
  });
  const index = new Map(ordered.map((k, i) => [rowKeys.get(k)!, i]));
  for (const e of mine) rowOf.set(e, index.get(rowOf.get(e)!)!);
  rowsOfRank.set(rank, Math.max(1, rowKeys.size));
}

const t1 = Math.max(...spans.map((e) => e.ts + e.dur!));
const afterInit = process.argv.includes('--after-init') ? spans.filter((e) => e.name !== 'init') : spans;
const first = Math.min(...afterInit.map((e) => e.ts));
const t0 = afterInit === spans ? first : first - (t1 - first) * 0.03;
const left = 150;
const right = 30;
const top = 70;
const rowH = 28;
const laneGap = 14;
const plotW = width - left - right;
const x = (ts: number): number => left + ((ts - t0) / (t1 - t0)) * plotW;
const laneTop = new Map<number, number>();
let y = top;
for (const rank of ranks) {
  laneTop.set(rank, y);
  y += rowsOfRank.get(rank)! * rowH + laneGap;
}
const height = y + 60;
const yOf = (e: Event): number => laneTop.get(e.pid)! + rowOf.get(e)! * rowH;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const svg: string[] = [];
svg.push(`<text x="${left}" y="28" class="title">${esc(title)}</text>`);
// Legend.
let lx = left;
for (const [label, colour] of [
  ['collective', kColours.collective],
  ['send', kColours.send],
  ['recv', kColours.recv],
  ['wait', kColours.wait],
  ['init (joining)', kColours.init],
]) {
  svg.push(`<rect x="${lx}" y="40" width="14" height="14" fill="${colour}"/><text x="${lx + 19}" y="52" class="legend">${label}</text>`);
  lx += 30 + label.length * 8;
}
svg.push(
  `<line x1="${lx}" y1="47" x2="${lx + 30}" y2="47" class="flow" marker-end="url(#arrow)"/><text x="${lx + 38}" y="52" class="legend">message (send → recv)</text>`,
);
svg.push(`<text x="${width - right}" y="52" class="legend" text-anchor="end">blank = computing</text>`);

// Lanes.
for (const rank of ranks) {
  const ly = laneTop.get(rank)!;
  const h = rowsOfRank.get(rank)! * rowH;
  svg.push(`<rect x="${left}" y="${ly - 2}" width="${plotW}" height="${h + 4}" class="lane"/>`);
  svg.push(`<text x="${left - 10}" y="${ly + 15}" class="rank" text-anchor="end">rank ${rank}</text>`);
  svg.push(`<text x="${left - 10}" y="${ly + 30}" class="host" text-anchor="end">${esc(hostOf.get(rank) ?? '')}</text>`);
}

// Time axis: about 10 ticks at a round step.
const raw = (t1 - t0) / 1000 / 10;
const step = [1, 2, 5].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw) ?? 10 ** Math.ceil(Math.log10(raw));
const axisY = y + 4;
svg.push(`<line x1="${left}" y1="${axisY}" x2="${left + plotW}" y2="${axisY}" class="axis"/>`);
for (let ms = Math.ceil(t0 / 1000 / step) * step; ms <= t1 / 1000 + 1e-9; ms += step) {
  const tx = x(ms * 1000);
  svg.push(`<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${axisY}" class="grid"/>`);
  svg.push(`<text x="${tx}" y="${axisY + 18}" class="tick" text-anchor="middle">${+ms.toFixed(3)} ms</text>`);
}
svg.push(`<text x="${left + plotW / 2}" y="${axisY + 40}" class="legend" text-anchor="middle">time since the job started</text>`);

// Spans, then flows on top.
for (const e of spans) {
  const sx = Math.max(left, x(e.ts));
  const w = Math.max(2, x(e.ts + e.dur!) - sx);
  const sy = yOf(e);
  const peer = e.args?.peer;
  const label =
    e.cat === 'message'
      ? `${e.name} ${e.name === 'send' ? '→' : '←'} ${String(peer)}`
      : e.args?.call !== undefined
        ? `${e.name} #${String(e.args.call)}`
        : e.name;
  const tip = `${e.name} ${JSON.stringify(e.args ?? {})} ${(e.dur! / 1000).toFixed(3)} ms`;
  svg.push(`<rect x="${sx.toFixed(1)}" y="${sy}" width="${w.toFixed(1)}" height="${rowH - 4}" rx="2" fill="${colourOf(e)}"><title>${esc(tip)}</title></rect>`);
  if (w > label.length * 7.5 + 8) svg.push(`<text x="${(sx + 5).toFixed(1)}" y="${sy + 17}" class="span">${esc(label)}</text>`);
}
const byKey = new Map<string, Event>();
for (const e of spans) byKey.set(`${e.pid} ${e.tid} ${e.ts}`, e);
const starts = events.filter((e) => e.ph === 's');
const finishes = new Map(events.filter((e) => e.ph === 'f').map((e) => [e.id, e]));
for (const s of starts) {
  const f = finishes.get(s.id);
  if (f === undefined) continue;
  const from = spans.find((e) => e.pid === s.pid && e.tid === s.tid && e.ts === s.ts && e.name === 'send');
  const to = spans.find((e) => e.pid === f.pid && e.tid === f.tid && e.name === 'recv' && Math.abs(e.ts + e.dur! - f.ts) < 0.01);
  if (from === undefined || to === undefined) continue;
  const y1 = yOf(from) + (rowH - 4) / 2;
  const y2 = yOf(to) + (rowH - 4) / 2;
  svg.push(`<line x1="${x(s.ts).toFixed(1)}" y1="${y1}" x2="${x(f.ts).toFixed(1)}" y2="${y2}" class="flow" marker-end="url(#arrow)"/>`);
}

const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body { margin: 0; background: #fff; font-family: "DejaVu Sans", Arial, sans-serif; }
.title { font-size: 18px; font-weight: bold; fill: #222; }
.legend { font-size: 13px; fill: #333; }
.rank { font-size: 14px; font-weight: bold; fill: #222; }
.host { font-size: 11px; fill: #777; }
.lane { fill: #f4f4f4; }
.axis { stroke: #555; }
.grid { stroke: #ddd; stroke-dasharray: 3 3; }
.tick { font-size: 11px; fill: #555; }
.span { font-size: 12px; fill: #fff; pointer-events: none; }
.flow { stroke: #222; stroke-width: 1.2; fill: none; opacity: 0.75; }
</style></head>
<body><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#222"/></marker></defs>
${svg.join('\n')}
</svg></body></html>
`;
writeFileSync(output, html);
process.stderr.write(`${output}: ${ranks.length} ranks, ${spans.length} spans, ${starts.length} messages, ${width}×${height}\n`);
