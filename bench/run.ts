// `npm run bench` (quick, about 5 minutes on 2 cores) or `npm run bench -- --full`.
// Measures tsmpi through the real launcher once per variant (transport: shared memory/auto and
// ZeroMQ, plus ZeroMQ without CURVE for the headline cases; bench/lib/config.ts) beside the
// reference programs of bench/anchors (raw zeromq.js always; mpi4py and Python multiprocessing
// when installed, see bench/setup-references.sh), all under one timing protocol
// (bench/lib/protocol.ts), and the bytes tsmpi allocates per solver iteration (a measurement of
// allocation: no reference, no ratio; bench/programs/alloc-per-iteration.ts), then writes
// bench/report/latest.md (headline targets, the reference check, every table), latest.json
// (every repetition), SVG charts, and a copy of the JSON in bench/report/runs/ (not committed)
// for bench/usual-spread.ts.
// Options:
//   --full                  more sizes, 16 MiB objects, np=16, mpirun -n 64, longer repetitions
//   --forced                also every collective algorithm forced in turn (a tuning sweep; long)
//   --transports shm,zmq    only these variants (ids of kVariants)
//   --launches N            launch each program N times (default 1; start-up jobs keep their own count)
//   --references-only       only the references (to record their usual spread); writes runs/ only
//   --only TEXT             only the steps whose name contains TEXT; writes runs/ only
//   --wait-quiet S          before each step, wait up to S seconds for other processes to go quiet,
//                           and measure a step again (up to 3 times) when they disturbed it
// Environment: BENCH_REPS, BENCH_TARGET_MS, ... (bench/lib/protocol.ts) override the protocol
// (short tries); BENCH_NODE24=/path/to/node for the start-up jobs on Node 24.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderCharts } from './charts.js';
import { config, kVariants } from './lib/config.js';
import { targets } from './lib/headline.js';
import { plan, type StepSetup } from './lib/plan.js';
import { log, note, root } from './lib/proc.js';
import { kProtocolEnv } from './lib/protocol.js';
import { othersBusy, othersMeter, waitQuiet } from './lib/quiet.js';
import * as refs from './lib/references.js';
import { buildReport, disturbed, type StepInfo } from './lib/report.js';
import { figures, get, memory, raw, snapshot } from './lib/results.js';
import { checkSpread, loadSpread } from './lib/spread.js';
import { num } from './lib/stats.js';
import { detectNode24, launcher, node24 } from './lib/tsmpi.js';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const cfg = config(argv.includes('--full'), argv.includes('--forced'));
if (opt('launches')) cfg.launches = Math.max(1, Number(opt('launches')));
// BENCH_REPS=2 etc. (bench/lib/protocol.ts kProtocolEnv) override the mode's protocol, for short
// tries of a step; the report prints the protocol used.
for (const [k, name] of Object.entries(kProtocolEnv)) {
  const v = process.env[name];
  if (v) cfg.protocol[k as keyof typeof cfg.protocol] = Number(v);
}
const referencesOnly = argv.includes('--references-only');
const only = opt('only');
const waitS = Number(opt('wait-quiet') ?? 0);
const wanted = opt('transports')?.split(',');
const variants = wanted ? kVariants.filter((v) => wanted.includes(v.id)) : kVariants;
if (wanted && variants.length !== wanted.length) {
  console.error(`unknown variant in --transports ${wanted.join(',')}; known: ${kVariants.map((v) => v.id).join(', ')}`);
  process.exit(2);
}
const reportDir = path.join(root, 'bench', 'report');
const np64 = Math.max(...cfg.startup.map((s) => s.n));

if (!referencesOnly && !existsSync(path.join(root, launcher))) {
  console.error('dist/launcher/cli.js is missing: run `npm run build` first (npm run bench does)');
  process.exit(1);
}
const startLoad = os
  .loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
const t0 = Date.now();
await refs.detect();
const node24Missing = referencesOnly ? null : await detectNode24();
const steps = plan(cfg, variants, referencesOnly).filter((s) => !only || s.name.includes(only));
const done: StepInfo[] = [];
if (node24Missing && steps.some((s) => s.name.startsWith('start-up'))) note(node24Missing);

function write(final: boolean): string {
  const seconds = (Date.now() - t0) / 1000;
  const spread = loadSpread();
  const rows = targets(variants, np64, cfg.memIters, node24.version);
  const checks = checkSpread(
    rows.flatMap((r) => (r.referenceKey ? [r.referenceKey] : [])),
    spread,
  );
  const md = buildReport({ cfg, variants, targets: rows, checks, spread, steps: done, seconds, startLoad, referencesOnly });
  const stats = Object.fromEntries(Object.keys(figures).map((k) => [k, get(k)]));
  const json = {
    mode: cfg.mode,
    referencesOnly,
    only: only ?? null,
    date: new Date().toISOString(),
    seconds,
    final,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadAtStart: startLoad },
    protocol: cfg.protocol,
    launches: cfg.launches,
    variants,
    node24,
    steps: done,
    targets: rows,
    referenceCheck: checks,
    references: refs.available,
    stats,
    figures,
    memory,
    raw,
    failures: log.failures,
    notes: log.notes,
  };
  mkdirSync(path.join(reportDir, 'runs'), { recursive: true });
  const runFile = path.join(reportDir, 'runs', `${new Date(t0).toISOString().replace(/[:.]/g, '-')}-${cfg.mode}${referencesOnly ? '-references' : ''}.json`);
  writeFileSync(runFile, `${JSON.stringify(json, null, 1)}\n`);
  // latest.* are the committed report: only a whole run replaces them.
  if (!referencesOnly && !only) {
    writeFileSync(path.join(reportDir, 'latest.md'), md);
    copyFileSync(runFile, path.join(reportDir, 'latest.json'));
  }
  return md;
}

/** Runs a step's jobs, its launch rounds in rotating order so that no program always runs first. */
async function runStep(step: (typeof steps)[number]): Promise<void> {
  for (let round = 0; round < step.rounds; round++) {
    const jobs = step.jobs.map((_, i) => step.jobs[(i + round) % step.jobs.length]!);
    for (const job of jobs) {
      process.stdout.write(`  ${job.label}${step.rounds > 1 ? ` (launch ${round + 1}/${step.rounds})` : ''}\n`);
      try {
        await job.run();
      } catch (e) {
        log.failures.push({ what: `${step.name}: ${job.label}`, why: String(e) });
        console.error(`  FAILED ${job.label}: ${String(e)}`);
      }
    }
  }
}

const pct = (x: number): string => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : '?');
for (const step of steps) {
  // With --wait-quiet, a step that other processes disturbed is measured again (its figures
  // replaced), up to kTries times: on a shared machine bursts of other work come and go. A step
  // that measures no time (step.untimed) neither waits nor runs again.
  const kTries = waitS > 0 && !step.untimed ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const quiet = waitS > 0 && !step.untimed ? await waitQuiet(waitS) : { busy: await othersBusy(), waitedS: 0 };
    console.log(`${step.name}${attempt > 1 ? `, attempt ${attempt}` : ''} (others' CPU use ${pct(quiet.busy)})`);
    const restore = snapshot(),
      failuresBefore = log.failures.length;
    const ts = Date.now();
    // A step's setup (test hosts, busy loops) comes before its meter starts, and its teardown
    // (the busy loops killed and reaped) before the meter stops.
    let setup: StepSetup;
    try {
      setup = (await step.setup?.()) ?? {};
    } catch (e) {
      setup = { skip: `setup failed: ${String(e)}` };
    }
    if (setup.skip) {
      note(`${step.name}: skipped, ${setup.skip}`);
      console.log(`  skipped: ${setup.skip}`);
      await setup.teardown?.();
      break;
    }
    const during = othersMeter(setup.also);
    try {
      await runStep(step);
    } finally {
      await setup.teardown?.();
    }
    const info: StepInfo = {
      name: step.name,
      seconds: (Date.now() - ts) / 1000,
      busyBefore: quiet.busy,
      busyDuring: during(),
      waitedS: quiet.waitedS,
      attempts: attempt,
      ...(step.untimed ? { untimed: true } : {}),
    };
    console.log(`  (${num(info.seconds)} s; others' CPU use during the step ${pct(info.busyDuring)})`);
    if (disturbed([info]).length === 0 || attempt >= kTries) {
      done.push(info);
      break;
    }
    restore();
    log.failures.length = failuresBefore;
  }
  if (cfg.mode === 'full') write(false); // a long run interrupted half-way still leaves what it measured
}
const md = write(true);
if (!referencesOnly && !only) {
  try {
    await renderCharts(reportDir, cfg, variants);
  } catch (e) {
    console.error(`charts failed: ${String(e)}`);
  }
}
console.log(`\n${md}`);
console.log(
  `wrote ${referencesOnly || only ? 'bench/report/runs/' : 'bench/report/latest.md, latest.json, charts and runs/'} in ${num((Date.now() - t0) / 1000)} s`,
);
