/**
 * Under Slurm, on the test cluster's nodes h1..h3 (test/helpers/cluster.ts): programs started
 * directly by srun form one world from Slurm's environment and remove their job directories
 * however Slurm ends them, and tsmpirun inside an allocation uses its nodes and starts its
 * agents with srun. Skipped, with the reason, where the test
 * cluster cannot run (not root, no network namespaces, no Slurm packages).
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, inject, it } from 'vitest';
import { ensureHosts, ensureSlurm, processesOnHost, type ClusterState, type SlurmStatus } from '../helpers/cluster.js';
import { fixture, isAlive, kCli } from '../helpers/run-mpi.js';

const provided = inject('tsmpiCluster') as ClusterState | undefined;
let slurm: SlurmStatus = provided?.slurm ?? { ok: false, reason: 'the cluster setup did not run' };
if (provided === undefined) {
  try {
    await ensureHosts(3);
    slurm = await ensureSlurm();
  } catch (error) {
    slurm = { ok: false, reason: (error as Error).message };
  }
}
const skip = !slurm.ok;
const reason = slurm.ok ? '' : ` (skipped: ${slurm.reason})`;
const slurmEnv = slurm.ok ? slurm.env : {};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}
function run(argv: string[], timeoutMs = 60_000): Promise<Run> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(argv[0], argv.slice(1), { env: { ...process.env, ...slurmEnv }, timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null;
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

const tsx = ['node', '--import', 'tsx'];
// --quiet: no "job queued and waiting for resources" notes when the previous step's nodes are still busy.
const srun6 = ['srun', '--quiet', '-N', '3', '-n', '6', '--ntasks-per-node=2'];

/** The tasks of a step-dirs.ts step that said they were ready: rank, pid and job directory. */
function readyTasks(stdout: string): Array<{ rank: number; pid: number; dir: string }> {
  return [...stdout.matchAll(/^ready (\d+) (\d+) (\S+)$/gm)].map((m) => ({ rank: Number(m[1]), pid: Number(m[2]), dir: m[3] }));
}

async function leftovers(pattern: string): Promise<string[]> {
  const all = await Promise.all(['h1', 'h2', 'h3'].map(processesOnHost));
  return all
    .flat()
    .map((p) => p.command)
    .filter((c) => c.includes(pattern));
}

describe.skipIf(skip)(`Slurm${reason}`, () => {
  it.each(['collectives.ts', 'p2p.ts'])('srun -n 6 on 3 nodes, no tsmpirun: %s forms one world and passes', async (program) => {
    const r = await run([...srun6, ...tsx, fixture(program)]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`${program.replace('.ts', '')} ok 6`);
    expect(r.code).toBe(0);
  });

  it('srun --kill-on-bad-exit=1: a task that throws ends the step, nothing is left on any node', async () => {
    const r = await run([...srun6, '--kill-on-bad-exit=1', ...tsx, fixture('step-dirs.ts'), '3']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('boom on rank 3');
    expect(await leftovers('step-dirs')).toEqual([]);
    // Slurm ended the other tasks with SIGTERM: each removed its job directory all the same.
    const tasks = readyTasks(r.stdout);
    expect(tasks.map((t) => t.rank).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(tasks.filter((t) => existsSync(t.dir))).toEqual([]);
  });

  it('a srun task stopped by SIGTERM removes its job directory and still dies of the signal', async () => {
    const step = spawn(srun6[0], [...srun6.slice(1), ...tsx, fixture('step-dirs.ts')], {
      env: { ...process.env, ...slurmEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const killer = setTimeout(() => step.kill('SIGKILL'), 60_000);
    let stdout = '';
    let stderr = '';
    step.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    step.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const ended = once(step, 'close');
    while (readyTasks(stdout).length < 6 && step.exitCode === null) await delay(50);
    const tasks = readyTasks(stdout).sort((a, b) => a.rank - b.rank);
    expect(tasks.filter((t) => existsSync(t.dir))).toEqual(tasks);
    process.kill(tasks[3].pid, 'SIGTERM');
    while (isAlive(tasks[3].pid)) await delay(20);
    expect(existsSync(tasks[3].dir)).toBe(false);
    for (const t of tasks.filter((t) => t.rank !== 3)) process.kill(t.pid, 'SIGTERM');
    const [code] = await ended;
    clearTimeout(killer);
    expect(tasks.filter((t) => existsSync(t.dir))).toEqual([]);
    // srun tells a task killed by a signal from one that exited: "Terminated", not an exit code.
    const verdicts = stderr
      .trim()
      .split('\n')
      .filter((line) => /: tasks? [0-9,-]+: /.test(line));
    expect(verdicts.length, stderr).toBeGreaterThan(0);
    for (const verdict of verdicts) expect(verdict).toMatch(/: Terminated$/);
    expect(code).not.toBe(0);
  });

  it.each(['collectives.ts', 'p2p.ts'])(
    'tsmpirun inside salloc uses the allocation (3 nodes × 2 tasks) and starts its agents with srun: %s',
    async (program) => {
      const r = await run(['salloc', '-N', '3', '--ntasks-per-node=2', 'node', kCli, fixture(program)]);
      expect(r.stdout, r.stderr).toContain(`${program.replace('.ts', '')} ok 6`);
      expect(r.code).toBe(0);
    },
  );

  it('tsmpirun inside salloc places the ranks on the allocation: 2 per node, by slot, in node order', async () => {
    const r = await run(['salloc', '-N', '3', '--ntasks-per-node=2', 'node', kCli, fixture('../../examples/hello.ts')]);
    expect(r.code, r.stderr).toBe(0);
    const where = new Map([...r.stdout.matchAll(/^hello from rank (\d) of 6 on (\S+) \(pid \d+\)$/gm)].map((m) => [Number(m[1]), m[2]]));
    expect([...where.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect([0, 1, 2, 3, 4, 5].map((rank) => where.get(rank))).toEqual(['h1', 'h1', 'h2', 'h2', 'h3', 'h3']);
  });

  it('tsmpirun inside salloc: a rank failing on a node ends the job naming the rank and its node; nothing is left', async () => {
    const r = await run(['salloc', '-N', '3', '--ntasks-per-node=2', 'node', kCli, fixture('fail-after-barrier.ts'), '4']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tsmpirun: rank 4 \(pid \d+ on h3\) failed with an uncaught exception:\nError: boom on rank 4/);
    expect(r.ms).toBeLessThan(30_000);
    expect(await leftovers('fail-after-barrier')).toEqual([]);
  });
});
