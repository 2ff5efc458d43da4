/**
 * The multi-host test harness itself (test/helpers/cluster.ts): ssh to the test hosts, the same
 * repo on every host, processes seen per host, a host cut off the network, Slurm over the hosts.
 * Uses what the global setup (test/helpers/cluster-setup.ts) provided, or brings the hosts up
 * itself when run without it.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import {
  clusterSupport,
  cutHost,
  ensureHosts,
  ensureSlurm,
  processesOnHost,
  restoreHost,
  whileCuttingHost,
  runOnHost,
  sshTo,
  startOnHost,
  type ClusterState,
  type SlurmStatus,
  type TestHosts,
} from './helpers/cluster.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);

const provided = inject('tsmpiCluster') as ClusterState | undefined;
const support = provided?.support ?? clusterSupport();
let hosts: TestHosts | null = provided?.hosts ?? null;
let hostsError = provided?.hostsError ?? (support.ok ? '' : support.reason);
let slurm: SlurmStatus = provided?.slurm ?? { ok: false, reason: hostsError };
if (provided === undefined && support.ok) {
  try {
    hosts = await ensureHosts(3);
    slurm = await ensureSlurm();
  } catch (error) {
    hostsError = (error as Error).message;
    slurm = { ok: false, reason: hostsError };
  }
}
const noHosts = hosts === null;
const noSlurm = !slurm.ok;
const slurmReason = slurm.ok ? '' : slurm.reason;
const H = (): TestHosts => hosts as TestHosts;

/** Polls `check` until it holds or `ms` pass; returns its last value. */
async function until<T>(check: () => Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether `fromHost` can open a TCP connection to `addr:port` within 2 s. */
async function canConnect(fromHost: string, addr: string, port: number): Promise<boolean> {
  const r = await runOnHost(fromHost, ['timeout', '2', 'bash', '-c', `exec 3<>/dev/tcp/${addr}/${port}`]);
  return r.code === 0;
}

describe.skipIf(noHosts)(`test hosts${noHosts ? ` (skipped: ${hostsError})` : ''}`, () => {
  it('ssh reaches every host: its hostname, node, and the repo at the same path with tsx', async () => {
    const { addresses, names } = H();
    const results = await Promise.all(
      addresses.map((addr) =>
        sshTo(
          H(),
          addr,
          `hostname && node -e 'console.log(require("fs").existsSync(process.argv[1] + "/package.json"))' ${root} && cd ${root} && npx tsx --version`,
        ),
      ),
    );
    results.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).toBe(names[i]);
      expect(lines[1]).toBe('true');
      expect(r.stdout).toMatch(/tsx v\d+/);
    });
  });

  it('the hostfile lists every address with slots=2 and no comments', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(H().hostfile, 'utf8');
    expect(text).toBe(
      H()
        .addresses.map((a) => `${a} slots=2\n`)
        .join(''),
    );
  });

  it('a host reaches the head address, where a listener of this process answers', async () => {
    const server = net.createServer((s) => {
      s.on('error', () => undefined);
      s.end('hi\n');
    });
    await new Promise<void>((resolve) => server.listen(0, H().headAddress, resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const script = `exec 3<>/dev/tcp/${H().headAddress}/${port} && read -r line <&3 && echo "$line"`;
      const r = await runOnHost(H().names[0], ['timeout', '5', 'bash', '-c', script]);
      expect(r.stdout.trim(), r.stderr).toBe('hi');
    } finally {
      server.close();
    }
  });

  it('processesOnHost sees a process started on a host, only there, and not after it is killed', async () => {
    const [h1, h2] = H().names;
    const sleeper = startOnHost(h2, ['sleep', '300']);
    const pid = sleeper.child.pid as number;
    try {
      const seen = await until(
        () => processesOnHost(h2),
        (ps) => ps.some((p) => p.pid === pid && p.command === 'sleep 300'),
      );
      expect(seen).toContainEqual({ pid, command: 'sleep 300' });
      expect((await processesOnHost(h1)).map((p) => p.pid)).not.toContain(pid);
      // The hosts' own daemons are not listed.
      expect(seen.filter((p) => p.command.includes('[listener]') || p.command.startsWith('slurmd '))).toEqual([]);
    } finally {
      sleeper.child.kill('SIGKILL');
    }
    await sleeper.result;
    const after = await until(
      () => processesOnHost(h2),
      (ps) => !ps.some((p) => p.pid === pid),
    );
    expect(after.map((p) => p.pid)).not.toContain(pid);
  });

  it('cutHost makes a host unreachable from another host, restoreHost brings it back', async () => {
    const [h1, , h3] = H().names;
    const a3 = H().addresses[2];
    await whileCuttingHost(h3, async () => {
      expect(await canConnect(h1, a3, 22)).toBe(true);
      await cutHost(h3);
      try {
        expect(await canConnect(h1, a3, 22)).toBe(false);
      } finally {
        await restoreHost(h3);
      }
      expect(
        await until(
          () => canConnect(h1, a3, 22),
          (ok) => ok,
        ),
      ).toBe(true);
    });
  });
});

describe.skipIf(noSlurm)(`Slurm over the test hosts${noSlurm ? ` (skipped: ${slurmReason})` : ''}`, () => {
  it('srun -N 3 -n 6 --ntasks-per-node=2 starts ranks 0..5, two per host', async () => {
    const env = { ...process.env, ...(slurm.ok ? slurm.env : {}) };
    const { stdout } = await run(
      'timeout',
      ['60', 'srun', '-N', '3', '-n', '6', '--ntasks-per-node=2', 'node', '-e', 'console.log(process.env.SLURM_PROCID, require("os").hostname())'],
      { env, cwd: root },
    );
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    expect(lines.map(([rank]) => Number(rank)).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const perHost = new Map<string, number>();
    for (const [, host] of lines) perHost.set(host, (perHost.get(host) ?? 0) + 1);
    expect(Object.fromEntries(perHost)).toEqual(Object.fromEntries(H().names.map((n) => [n, 2])));
  });
});
