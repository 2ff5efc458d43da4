/**
 * tsmpirun over several hosts: the test hosts h1..h3 (test/helpers/cluster.ts, slots=2 each),
 * one agent per host started over ssh (--launch-agent). Programs pass across hosts, ranks land
 * where the mapping says, output/exit status/stdin go through the agents, and every failure (a
 * remote rank dies, an agent dies, a host is cut off, tsmpirun itself is SIGKILLed) ends the job
 * within 10 s naming the rank or host, with nothing of the job left on any host.
 *
 * Each job gets a unique token as its program's last argument, so the sweep can tell its ranks
 * from other tests' processes on the shared hosts; the agent and ssh session above them and
 * whatever they started are found through the process tree while the job runs.
 * Measured times (injection → launcher exit) are printed with console.log.
 */
import { randomBytes, createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { clusterSupport, cutHost, ensureHosts, processesOnHost, restoreHost, whileCuttingHost, type TestHosts } from '../helpers/cluster.js';
import { jobDirsOwnedBy } from '../helpers/leftovers.js';
import { fixture, isAlive, onTransport, pidsIn, runMpi, startMpi, tempDir, type MpiRun, type RunOptions } from '../helpers/run-mpi.js';
import { loadShmNative } from '../../src/comm/transport/shm-native.js';

const support = clusterSupport();
const skipReason = support.ok ? '' : ` (skipped: ${support.reason})`;

let hosts: TestHosts;
const measured: string[] = [];
const note = (what: string): void => {
  measured.push(what);
  console.log(`[hosts] ${what}`);
};

/** Hostfile and ssh wrapper for the test hosts. */
const hostArgs = (): string[] => ['--hostfile', hosts.hostfile, '--launch-agent', hosts.sshProgram];
const newToken = (): string => `tsmpi-hosts-${randomBytes(6).toString('hex')}`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function ppidOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/** pid → parent pid of every process on this machine (the hosts share its PID space). */
function processTree(): Map<number, number> {
  const tree = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = ppidOf(Number(entry));
    if (ppid !== null) tree.set(Number(entry), ppid);
  }
  return tree;
}

function descendants(roots: Iterable<number>, tree: Map<number, number>): Set<number> {
  const out = new Set(roots);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of tree) {
      if (!out.has(pid) && out.has(ppid)) {
        out.add(pid);
        grew = true;
      }
    }
  }
  return out;
}

interface JobProcess {
  pid: number;
  where: string;
  command: string;
}

/**
 * Every process of the running job, found while it runs: on each host, the ranks (their command
 * carries the token), their ancestors on that host (agent, ssh session) and all their
 * descendants; locally, everything the launcher started (ssh clients).
 */
async function jobProcesses(mpi: MpiRun, token: string): Promise<JobProcess[]> {
  const tree = processTree();
  const out: JobProcess[] = [];
  for (const name of hosts.names) {
    const onHost = await processesOnHost(name);
    const commands = new Map(onHost.map((p) => [p.pid, p.command]));
    const tops = new Set<number>();
    for (const p of onHost) {
      if (!p.command.includes(token)) continue;
      let top = p.pid;
      for (let up = tree.get(top); up !== undefined && commands.has(up); up = tree.get(up)) top = up;
      tops.add(top);
    }
    for (const pid of descendants(tops, tree)) out.push({ pid, where: name, command: commands.get(pid) ?? '?' });
  }
  const local = descendants([mpi.child.pid!], tree);
  local.delete(mpi.child.pid!);
  for (const pid of local) out.push({ pid, where: 'local', command: '' });
  return out;
}

function describeProcess(p: JobProcess): string {
  return `${p.where} pid ${p.pid} ${p.command.slice(0, 120)}`;
}

/**
 * Polls until nothing of the job is left: none of `known` alive, no process with the token on
 * any host, no pid from $PID_DIR alive. Returns what is still there after `withinMs`.
 */
async function sweep(
  token: string,
  known: JobProcess[],
  dir: string | undefined,
  withinMs: number,
  names = hosts.names,
): Promise<{ left: string[]; ms: number }> {
  const t0 = Date.now();
  for (;;) {
    const left = known.filter((p) => isAlive(p.pid)).map(describeProcess);
    for (const name of names) {
      for (const p of await processesOnHost(name)) {
        if (p.command.includes(token) && !known.some((k) => k.pid === p.pid)) left.push(`${name} pid ${p.pid} ${p.command.slice(0, 120)}`);
      }
    }
    if (dir !== undefined) for (const [name, pid] of pidsIn(dir)) if (isAlive(pid) && !known.some((k) => k.pid === pid)) left.push(`${name} (pid ${pid})`);
    if (left.length === 0 || Date.now() - t0 > withinMs) return { left, ms: Date.now() - t0 };
    await sleep(100);
  }
}

/** SIGKILLs whatever a failed test left behind, so later tests start clean. */
function killOnFinish(known: () => JobProcess[], dir?: string): void {
  onTestFinished(() => {
    for (const p of known()) if (isAlive(p.pid)) process.kill(p.pid, 'SIGKILL');
    if (dir !== undefined) for (const [, pid] of pidsIn(dir)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
}

async function pidDir(): Promise<string> {
  return tempDir();
}

/** Starts a 6-rank job over the 3 hosts (ranks 0,1 on h1, 2,3 on h2, 4,5 on h3), waits for every "ready". */
async function startJob(program: string, args: string[], dir: string, token: string, options: RunOptions = {}): Promise<{ mpi: MpiRun; known: JobProcess[] }> {
  let known: JobProcess[] = [];
  const mpi = startMpi([...hostArgs(), '-n', '6', '-x', `PID_DIR=${dir}`, fixture(program), ...args, token], { killAfterMs: 60_000, ...options });
  killOnFinish(() => known, dir);
  onTestFinished(() => {
    if (mpi.child.exitCode === null && mpi.child.signalCode === null) mpi.child.kill('SIGKILL');
  });
  await mpi.waitForStdout('ready', 6);
  // Every rank's grandchild is recorded before it prints "ready".
  known = await jobProcesses(mpi, token);
  expect(known.filter((p) => p.command.includes(token))).toHaveLength(6);
  for (const name of hosts.names)
    expect(
      known.some((p) => p.where === name && p.command.includes('agent/main.js')),
      `agent on ${name}`,
    ).toBe(true);
  return { mpi, known };
}

const hostOf = (rank: number): number => Math.floor(rank / 2); // by slot, 2 slots per host

describe.skipIf(!support.ok)(`ranks on several hosts over ssh${skipReason}`, () => {
  beforeAll(async () => {
    hosts = await ensureHosts(3);
  });

  afterAll(() => {
    if (measured.length > 0) console.log(`[hosts] measured:\n  ${measured.join('\n  ')}`);
  });

  describe('programs pass across hosts', () => {
    it('collectives.ts, np=6 on 3 hosts', async () => {
      const run = await runMpi([...hostArgs(), '-n', '6', fixture('collectives.ts')]);
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe('collectives ok 6\n');
      expect(run.code).toBe(0);
    });

    it('p2p.ts, np=6 on 3 hosts, --map-by node', async () => {
      const run = await runMpi([...hostArgs(), '-n', '6', '--map-by', 'node', fixture('p2p.ts')]);
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe('p2p ok 6\n');
      expect(run.code).toBe(0);
    });

    it('p2p.ts, np=6 on 3 hosts, every pair over ZeroMQ (TSMPI_TRANSPORT=zmq)', async () => {
      const run = await runMpi([...hostArgs(), '-n', '6', '--map-by', 'node', ...onTransport('zmq'), fixture('p2p.ts')]);
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe('p2p ok 6\n');
      expect(run.code).toBe(0);
    });

    it.runIf(loadShmNative().available)('shared memory inside each host, TCP between: each host has the segments of its own ranks', async () => {
      const run = await runMpi([...hostArgs(), '-n', '6', fixture('transport-files.ts')]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      for (let r = 0; r < 6; r++) {
        const mates = [2 * hostOf(r), 2 * hostOf(r) + 1];
        expect(run.stdout).toContain(`rank ${r} segments ${mates.map((m) => `shm-${m}`).join(',')}`);
      }
    });

    it('large bcasts and allreduces, np=5 on 3 hosts, --map-by node: hierarchical, through host memory inside each host', async () => {
      const run = await runMpi([...hostArgs(), '-n', '5', '--map-by', 'node', '-x', 'CHUNKS=1', fixture('host-collectives.ts')]);
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe(`host-collectives ok 5 ${loadShmNative().available ? 'host-memory' : 'messages'}\n`);
      expect(run.code).toBe(0);
      const zmq = await runMpi([...hostArgs(), '-n', '5', '--map-by', 'node', ...onTransport('zmq'), fixture('host-collectives.ts')]);
      expect(zmq.stdout + zmq.stderr).toBe('host-collectives ok 5 messages\n');
    });

    it.runIf(loadShmNative().available)(
      'shared memory: allocateShared on COMM_WORLD over 3 hosts is ERR_NOT_SHARED on every rank; splitShared gives each host its ranks in their old order, whose arrays and locks work',
      async () => {
        const run = await runMpi([...hostArgs(), '-n', '6', '--map-by', 'node', '-x', 'SHARED_MODE=hosts', fixture('shared-memory.ts')]);
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        const why = "its ranks run on 3 hosts \\(\\S+, \\S+, \\S+\\); splitShared\\(\\) gives each host's ranks a communicator of their own";
        for (let r = 0; r < 6; r++) {
          expect(run.stdout).toMatch(new RegExp(`^rank ${r} world: MpiError ERR_NOT_SHARED: allocateShared on COMM_WORLD: ${why}$`, 'm'));
          expect(run.stdout).toMatch(new RegExp(`^rank ${r} world lock: MpiError ERR_NOT_SHARED: createSharedLock on COMM_WORLD: ${why}$`, 'm'));
          expect(run.stdout).toContain(`rank ${r} on ${hosts.names[r % 3]} host rank ${r < 3 ? 0 : 1} of 2 world ranks ${r % 3},${(r % 3) + 3} counter 2000`);
        }
      },
    );

    it.each([
      ['slot', (rank: number) => hostOf(rank)],
      ['node', (rank: number) => rank % 3],
    ] as const)('placement with --map-by %s', async (mapping, hostIndex) => {
      const run = await runMpi([...hostArgs(), '-n', '6', '--map-by', mapping, fixture('../../examples/hello.ts')]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const where = new Map<number, string>();
      for (const line of run.stdout.trim().split('\n')) {
        const m = /^hello from rank (\d) of 6 on (\S+) \(pid \d+\)$/.exec(line);
        expect(m, line).not.toBeNull();
        where.set(Number(m![1]), m![2]);
      }
      expect([...where.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
      for (const [rank, host] of where) expect(host, `rank ${rank}`).toBe(hosts.names[hostIndex(rank)]);
    });

    it('--iface ADDR: this host advertises ADDR, each other host its own interface toward it', async () => {
      const run = await runMpi([...hostArgs(), '--iface', hosts.headAddress, '-n', '6', fixture('echo-env.ts'), 'TSMPI_ADDRESS']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const seen = run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { rank: number; vars: { TSMPI_ADDRESS: string } });
      expect(seen.map((s) => s.rank).sort()).toEqual([0, 1, 2, 3, 4, 5]);
      for (const s of seen) expect(s.vars.TSMPI_ADDRESS, `rank ${s.rank}`).toBe(hosts.addresses[hostOf(s.rank)]);
    });

    it('--iface NAME that no host has ends the job naming it', async () => {
      const run = await runMpi([...hostArgs(), '--iface', 'nosuch0', '-n', '2', fixture('echo-env.ts')]);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('nosuch0');
      expect(run.stdout).toBe('');
    });

    it('a program doing one barrier: launch time of 6 ranks on 3 hosts (logged, not asserted)', async () => {
      const t0 = Date.now();
      const run = await runMpi([...hostArgs(), '-n', '6', fixture('barriers.ts'), '1']);
      const ms = Date.now() - t0;
      expect(run.stderr).toBe('');
      expect(run.stdout.trim().split('\n').sort()).toEqual([0, 1, 2, 3, 4, 5].map((r) => `ready ${r}`));
      expect(run.code).toBe(0);
      note(`launch + one barrier + exit, 6 ranks on 3 hosts: ${ms} ms`);
    });
  });

  describe('output, exit status and stdin through the agents', () => {
    it('--tag-output: every line of remote ranks intact and attributed', async () => {
      const run = await runMpi([...hostArgs(), '-n', '6', '--tag-output', fixture('print-lines.ts'), '400', '2000']);
      expect(run.code).toBe(0);
      const lines = run.stdout.split('\n');
      expect(lines.pop()).toBe('');
      const next = Array<number>(6).fill(0);
      const body = 'x'.repeat(2000);
      for (const line of lines) {
        const m = /^\[(\d)\] (\d):(end|(\d+):(x*))$/.exec(line);
        expect(m, `mangled line: ${line.slice(0, 80)}…`).not.toBeNull();
        const rank = Number(m![1]);
        expect(Number(m![2])).toBe(rank);
        if (m![3] === 'end') {
          expect(next[rank]).toBe(400);
          next[rank] = -1;
        } else {
          expect(Number(m![4])).toBe(next[rank]++);
          expect(m![5]).toBe(body);
        }
      }
      expect(next).toEqual(Array(6).fill(-1));
      const errLines = run.stderr.trim().split('\n');
      expect(errLines).toHaveLength(6 * 40);
      for (const line of errLines) expect(line).toMatch(/^\[(\d)\] \1:err\d+$/);
    });

    it('a remote rank exiting with 7: status 7, the message names the rank and its host', async () => {
      const dir = await pidDir();
      const run = await runMpi([...hostArgs(), '-n', '6', '-x', `PID_DIR=${dir}`, fixture('exit-code.ts'), '3', '7']);
      expect(run.code).toBe(7);
      const pid = pidsIn(dir).get('rank-3');
      expect(run.stderr).toBe(`tsmpirun: rank 3 (pid ${pid} on ${hosts.addresses[1]}) exited with code 7\ntsmpirun: stopped the other 5 ranks\n`);
    });

    it('stdin reaches rank 0 on a remote host, and only rank 0', async () => {
      const input = randomBytes(300_000);
      const run = await runMpi([...hostArgs(), '-n', '6', '--map-by', 'node', fixture('echo-stdin.ts')], { input });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const got = run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { rank: number; length: number; sha256: string });
      got.sort((a, b) => a.rank - b.rank);
      expect(got.map((g) => g.rank)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(got[0]).toMatchObject({ length: input.length, sha256: createHash('sha256').update(input).digest('hex') });
      for (const g of got.slice(1)) expect(g.length).toBe(0);
    });
  });

  describe('failures end the job within 10 s and leave nothing on any host', () => {
    it('a remote rank throws: status 1, rank and host named', async () => {
      const dir = await pidDir();
      const token = newToken();
      let known: JobProcess[] = [];
      killOnFinish(() => known, dir);
      // throw-on-rank.ts waits for every rank's pid file, so all 6 are up when rank 3 throws.
      const mpi = startMpi([...hostArgs(), '-n', '6', '-x', `PID_DIR=${dir}`, fixture('throw-on-rank.ts'), '3', 'top', token]);
      // Snapshot the job while it runs (the throw comes once all pid files exist).
      while (pidsIn(dir).size < 12 && mpi.child.exitCode === null) await sleep(20);
      const t0 = Date.now(); // rank 3 throws about now
      known = await jobProcesses(mpi, token).catch(() => []);
      const run = await mpi.result;
      const exitMs = Date.now() - t0;
      expect(exitMs).toBeLessThan(10_000);
      expect(run.code).toBe(1);
      const pid = pidsIn(dir).get('rank-3');
      expect(run.stderr).toContain(`tsmpirun: rank 3 (pid ${pid} on ${hosts.addresses[1]}) failed with an uncaught exception:\nError: boom on rank 3\n`);
      const { left, ms } = await sweep(token, known, dir, 5000);
      expect(left).toEqual([]);
      note(`remote rank throws: launcher exited ~${exitMs} ms after every rank was up (the throw), hosts clean ${ms} ms later`);
    });

    it('a remote rank SIGKILLed: status 137, rank and host named', async () => {
      const dir = await pidDir();
      const token = newToken();
      const { mpi, known } = await startJob('forever.ts', [], dir, token);
      const victim = known.find((p) => p.where === hosts.names[2] && p.command.includes(token))!;
      const rank = [...pidsIn(dir)].find(([, pid]) => pid === victim.pid)![0].replace('rank-', '');
      const t0 = Date.now();
      process.kill(victim.pid, 'SIGKILL');
      const run = await mpi.result;
      const ms = Date.now() - t0;
      expect(run.code).toBe(137);
      expect(run.stderr).toBe(
        `tsmpirun: rank ${rank} (pid ${victim.pid} on ${hosts.addresses[2]}) was killed by signal SIGKILL\ntsmpirun: stopped the other 5 ranks\n`,
      );
      expect(ms).toBeLessThan(10_000);
      const clean = await sweep(token, known, dir, 5000);
      expect(clean.left).toEqual([]);
      note(`remote rank SIGKILLed: launcher exited after ${ms} ms, hosts clean ${clean.ms} ms later`);
    });

    it("a remote host's agent SIGKILLed: the job ends, the host is named", async () => {
      const dir = await pidDir();
      const token = newToken();
      const { mpi, known } = await startJob('barriers.ts', ['forever'], dir, token);
      const agent = known.find((p) => p.where === hosts.names[1] && p.command.includes('agent/main.js'))!;
      const t0 = Date.now();
      process.kill(agent.pid, 'SIGKILL');
      const run = await mpi.result;
      const ms = Date.now() - t0;
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(
        new RegExp(`^tsmpirun: lost host ${hosts.addresses[1].replaceAll('.', '\\.')} \\(ranks 2,3\\): its agent ended before the job`),
      );
      expect(ms).toBeLessThan(10_000);
      const clean = await sweep(token, known, dir, 5000);
      expect(clean.left).toEqual([]);
      note(`agent SIGKILLed: launcher exited after ${ms} ms, hosts clean ${clean.ms} ms later`);
    });

    it('a host cut off the network: the job ends, the host is named; its agent kills its ranks', async () => {
      const cut = hosts.names[2];
      await whileCuttingHost(cut, async () => {
        const dir = await pidDir();
        const token = newToken();
        const { mpi, known } = await startJob('barriers.ts', ['forever'], dir, token);
        const t0 = Date.now();
        await cutHost(cut);
        const run = await mpi.result;
        const ms = Date.now() - t0;
        expect(run.code).not.toBe(0);
        expect(run.stderr).toMatch(new RegExp(`^tsmpirun: lost host ${hosts.addresses[2].replaceAll('.', '\\.')} \\(ranks 4,5\\): no word from its agent`));
        expect(ms).toBeLessThan(10_000);
        // The other hosts are clean at once; the cut host's agent hears nothing for 5 s, then
        // kills its ranks and leaves (an sshd session there may wait for its TCP connection).
        const others = await sweep(
          token,
          known.filter((p) => p.where !== cut),
          undefined,
          5000,
          hosts.names.filter((h) => h !== cut),
        );
        expect(others.left).toEqual([]);
        const onCut = known.filter((p) => p.where === cut && !p.command.startsWith('sshd:'));
        const ranksGone = await sweep(token, onCut, dir, 8000);
        expect(ranksGone.left).toEqual([]);
        const cutGoneMs = Date.now() - t0;
        await restoreHost(cut);
        const all = await sweep(token, known, dir, 8000);
        expect(all.left).toEqual([]);
        note(
          `host cut off: launcher exited after ${ms} ms; the cut host's agent and ranks gone ${cutGoneMs} ms after the cut; after restoreHost everything (ssh session too) gone within ${all.ms} ms`,
        );
      });
    });

    it('tsmpirun SIGKILLed: every host is clean within 10 s; its own job directory goes with the next tsmpirun', async () => {
      const dir = await pidDir();
      const token = newToken();
      const { mpi, known } = await startJob('barriers.ts', ['forever'], dir, token);
      const t0 = Date.now();
      mpi.child.kill('SIGKILL');
      expect((await mpi.result).signal).toBe('SIGKILL');
      const clean = await sweep(token, known, dir, 10_000);
      expect(clean.left).toEqual([]);
      note(`tsmpirun SIGKILLed: every host clean ${Date.now() - t0} ms after the kill`);
      // No rank ran on the launcher's host to remove its job directory: a later tsmpirun does.
      const next = await runMpi(['-n', '1', fixture('../../examples/hello.ts')]);
      expect(next.code).toBe(0);
      expect(await jobDirsOwnedBy(mpi.child.pid!)).toEqual([]);
    });
  });
});
