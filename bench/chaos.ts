/**
 * Chaos: many jobs in which one seeded rank fails in a seeded way at a seeded point (see
 * test/fixtures/chaos-plan.ts). For each job: the launcher's exit status must be the documented
 * one, its first stderr line must name the failing rank (and its pid) and the cause, and no
 * process of the job (ranks, their grandchildren) may be left. Teardown time is measured from
 * the failing rank's timestamp (written just before it fails) to the launcher's exit.
 *
 *   npm run build && npx tsx bench/chaos.ts [jobs=100] [firstSeed=1] [parallel=2]
 *
 * Reproduce one job: node dist/launcher/cli.js -n <np> -x PID_DIR=$(mktemp -d) test/fixtures/chaos.ts <seed>
 */
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describePlan, expectedCause, expectedStatus, planFor, type Kind } from '../test/fixtures/chaos-plan.js';
import { fixture, isAlive, leftoverJobDirs, pidsIn, startMpi, survivors, tempDir } from '../test/helpers/run-mpi.js';

const jobs = Number(process.argv[2] ?? 100);
const firstSeed = Number(process.argv[3] ?? 1);
const parallel = Number(process.argv[4] ?? 2);

interface Outcome {
  seed: number;
  ok: boolean;
  statusOk: boolean;
  lineOk: boolean;
  aliveAtExit: number;
  leftovers: string[];
  /** Job directories (with their shared-memory segments) still there after the job. */
  leftoverDirs: string[];
  teardownMs?: number;
  wallMs: number;
  problem?: string;
  kind: Kind;
}

export async function runChaosJob(seed: number): Promise<Outcome> {
  const plan = planFor(seed);
  // Outside a test: the directory goes in the finally below, not with a test's hooks.
  const dir = await tempDir(() => {});
  const started = Date.now();
  try {
    const mpi = startMpi(['-n', String(plan.np), '-x', `PID_DIR=${dir}`, fixture('chaos.ts'), String(seed)], { killAfterMs: 60_000 });
    const run = await mpi.result;
    const exitedAt = Date.now();
    const pids = pidsIn(dir);
    const aliveAtExit = [...pids.values()].filter(isAlive).length;
    const leftovers = await survivors(dir, 3000);
    const leftoverDirs = await leftoverJobDirs(dir, 3000);
    let failedAt: number | undefined;
    try {
      failedAt = (JSON.parse(readFileSync(path.join(dir, 'fail.json'), 'utf8')) as { at: number }).at;
    } catch {
      // the failing rank never got to its failure point
    }
    const status = run.code ?? (run.signal !== null ? `signal ${run.signal}` : 'none');
    const firstLine = run.stderr.split('\n')[0];
    const wantLine = `tsmpirun: rank ${plan.failRank} (pid ${pids.get(`rank-${plan.failRank}`)}) ${expectedCause(plan)}`;
    const statusOk = status === expectedStatus(plan);
    const lineOk = firstLine === wantLine;
    const problems: string[] = [];
    if (!statusOk) problems.push(`status ${status}, expected ${expectedStatus(plan)}`);
    if (!lineOk) problems.push(`first line ${JSON.stringify(firstLine)}, expected ${JSON.stringify(wantLine)}`);
    if (failedAt === undefined) problems.push('the failing rank never reached its failure point');
    if (pids.size !== 2 * plan.np) problems.push(`${pids.size} of ${2 * plan.np} pids recorded`);
    if (leftovers.length > 0) problems.push(`leftovers: ${leftovers.join(', ')}`);
    if (leftoverDirs.length > 0) problems.push(`job directories left: ${leftoverDirs.join(', ')}`);
    return {
      seed,
      kind: plan.kind,
      ok: problems.length === 0,
      statusOk,
      lineOk,
      aliveAtExit,
      leftovers,
      leftoverDirs,
      teardownMs: failedAt === undefined ? undefined : exitedAt - failedAt,
      wallMs: exitedAt - started,
      problem: problems.length === 0 ? undefined : `${describePlan(plan)}: ${problems.join('; ')}`,
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function main(): Promise<void> {
  const outcomes: Outcome[] = [];
  let nextSeed = firstSeed;
  const t0 = Date.now();
  const worker = async (): Promise<void> => {
    while (nextSeed < firstSeed + jobs) {
      const seed = nextSeed++;
      const o = await runChaosJob(seed);
      outcomes.push(o);
      if (!o.ok) console.log(`WRONG ${o.problem}`);
      if (outcomes.length % 10 === 0) console.log(`... ${outcomes.length}/${jobs} jobs`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  const teardown = outcomes.flatMap((o) => (o.teardownMs === undefined ? [] : [o.teardownMs]));
  const byKind = new Map<Kind, { n: number; ok: number; td: number[] }>();
  for (const o of outcomes) {
    const k = byKind.get(o.kind) ?? { n: 0, ok: 0, td: [] };
    k.n++;
    if (o.ok) k.ok++;
    if (o.teardownMs !== undefined) k.td.push(o.teardownMs);
    byKind.set(o.kind, k);
  }
  console.log(`\nchaos: seeds ${firstSeed}..${firstSeed + jobs - 1}, ${parallel} in parallel, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`jobs run:                 ${outcomes.length}`);
  console.log(`correct exit codes:       ${outcomes.filter((o) => o.statusOk).length}`);
  console.log(`correct failure lines:    ${outcomes.filter((o) => o.lineOk).length}`);
  console.log(`fully correct jobs:       ${outcomes.filter((o) => o.ok).length}`);
  console.log(
    `leftover processes:       ${outcomes.reduce((s, o) => s + o.leftovers.length, 0)} (after up to 3 s; still alive the instant the launcher exited: ${outcomes.reduce((s, o) => s + o.aliveAtExit, 0)})`,
  );
  console.log(
    `leftover job directories: ${outcomes.reduce((s, o) => s + o.leftoverDirs.length, 0)} (with their shared-memory segments and bells; TSMPI_TRANSPORT=${process.env.TSMPI_TRANSPORT ?? 'auto'})`,
  );
  if (teardown.length > 0) {
    console.log(
      `teardown after failure:   median ${quantile(teardown, 0.5)} ms, p90 ${quantile(teardown, 0.9)} ms, max ${Math.max(...teardown)} ms (${teardown.length} jobs)`,
    );
  }
  console.log(
    `job wall time:            median ${quantile(
      outcomes.map((o) => o.wallMs),
      0.5,
    )} ms, max ${Math.max(...outcomes.map((o) => o.wallMs))} ms`,
  );
  for (const [kind, k] of [...byKind].sort()) {
    console.log(
      `  ${kind.padEnd(10)} ${k.ok}/${k.n} correct, teardown median ${k.td.length ? quantile(k.td, 0.5) : '-'} ms, max ${k.td.length ? Math.max(...k.td) : '-'} ms`,
    );
  }
  const wrong = outcomes.filter((o) => !o.ok).sort((a, b) => a.seed - b.seed);
  console.log(`wrong cases:              ${wrong.length}`);
  for (const o of wrong) console.log(`  ${o.problem}`);
  process.exitCode = wrong.length === 0 ? 0 : 1;
}

await main();
