/**
 * Test hosts for multi-host tests: network-namespace "hosts" h1..hN on this machine, each with
 * its own address (10.213.7.i), hostname and sshd, plus an optional Slurm cluster over them.
 * The shell scripts in test/cluster/ (see its README.md) do the work; this module makes them
 * idempotent and safe to call from several vitest workers at once, and gives tests small
 * helpers (processes on a host, run on a host, cut a host off the network).
 *
 * Hosts are never torn down by the tests (other runs may share them): `bash test/cluster/down.sh`
 * removes them (and Slurm), `bash test/cluster/slurm-down.sh` only Slurm.
 * Set TSMPI_TEST_CLUSTER=off to skip every test that needs them (as root, bringing them up
 * apt-get installs openssh-server, munge and slurm-wlm if missing).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The repo's copy of the cluster scripts. */
export const kClusterScripts = path.join(root, 'test/cluster');

const kSubnet = process.env.TEST_HOSTS_SUBNET ?? '10.213.7';
const kPrefix = process.env.TEST_HOSTS_PREFIX ?? 'h';
const kState = process.env.TEST_CLUSTER_DIR ?? '/run/tsmpi-test-cluster';
const kHostsDir = path.join(kState, 'hosts');
const kSlurmDir = path.join(kState, 'slurm');
/** Outside the state directory, which down.sh removes. */
const kLockFile = `${kState}.lock`;
/** Namespace of the bridge every host's veth plugs into; the port of host hI is named hI. */
const kSwitchNs = 'tsmpi-switch';
const kSbin = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** What tests need to reach the hosts. */
export interface TestHosts {
  /** 10.213.7.1 ... (valid everywhere). */
  addresses: string[];
  /** h1 ... (network namespace names; resolvable inside the hosts only). */
  names: string[];
  /** A hostfile "ADDR slots=2" per host, no comments. */
  hostfile: string;
  /** An ssh program (`ssh -F sshConfig "$@"`) for launchers that take one. */
  sshProgram: string;
  sshConfig: string;
  /** The main namespace's address on the test network (10.213.7.254). */
  headAddress: string;
}

export type SlurmStatus = { ok: true; env: Record<string, string> } | { ok: false; reason: string };
export type Support = { ok: true } | { ok: false; reason: string };

/** What the global setup learned, shared with tests through `inject('tsmpiCluster')`. */
export interface ClusterState {
  support: Support;
  hosts: TestHosts | null;
  /** Why `hosts` is null. */
  hostsError?: string;
  slurm: SlurmStatus;
}

declare module 'vitest' {
  export interface ProvidedContext {
    tsmpiCluster: ClusterState;
  }
}

/** PATH with the sbin directories (a non-login root shell may lack them). */
function sbinPath(): string {
  const parts = (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const d of kSbin) if (!parts.includes(d)) parts.push(d);
  return parts.join(':');
}

/**
 * The PATH the hosts' ssh sessions get (up.sh writes its own PATH into sshd's SetEnv): ours
 * without node_modules/.bin entries (npm/npx add them), so a remote command finds `node` but
 * not this repo's `tsmpirun`/`tsx` by accident, and hosts started by hand and by vitest agree.
 */
function hostsPath(): string {
  const parts = sbinPath()
    .split(':')
    .filter((p) => !p.includes('node_modules'));
  const nodeDir = path.dirname(process.execPath);
  if (!parts.includes(nodeDir)) parts.unshift(nodeDir);
  return [...new Set(parts)].join(':');
}

function which(cmd: string): string | null {
  for (const dir of sbinPath().split(':')) {
    const p = path.join(dir, cmd);
    if (existsSync(p)) return p;
  }
  return null;
}

/**
 * Whether test hosts can be made here: Linux, root, network namespaces can be created, and
 * `ip`/`sshd`/`flock` exist or apt-get can install them. Synchronous, a few milliseconds.
 */
export function clusterSupport(): Support {
  const off = process.env.TSMPI_TEST_CLUSTER;
  if (off === 'off' || off === '0') return { ok: false, reason: 'TSMPI_TEST_CLUSTER=off' };
  if (process.platform !== 'linux') return { ok: false, reason: `not Linux (${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not root (network namespaces and sshd need it)' };
  const apt = which('apt-get') !== null;
  for (const cmd of ['ip', 'sshd', 'ssh', 'ssh-keygen', 'nsenter', 'unshare', 'flock']) {
    if (which(cmd) === null && !apt) return { ok: false, reason: `'${cmd}' is missing and there is no apt-get` };
  }
  const unshare = which('unshare');
  if (unshare !== null) {
    const r = spawnSync(unshare, ['--net', '--mount', 'true'], { stdio: 'ignore', timeout: 5000 });
    if (r.status !== 0) return { ok: false, reason: 'cannot create network namespaces here (unprivileged container?)' };
  }
  const ip = which('ip');
  if (ip !== null) {
    const r = spawnSync(ip, ['netns', 'list'], { encoding: 'utf8', timeout: 5000 });
    if (r.status !== 0) return { ok: false, reason: `'ip netns list' failed: ${r.stderr.trim()}` };
  }
  return { ok: true };
}

interface Exec {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Feeds `input` to a started child, collects its output and kills it after `killAfterMs`. */
function watched(child: ChildProcess, input: string | undefined, killAfterMs: number): HostRun {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const result = new Promise<Exec>((resolve, reject) => {
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, result };
}

function exec(argv: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Promise<Exec> {
  const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, PATH: sbinPath(), ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  return watched(child, opts.input, opts.timeoutMs ?? 60_000).result;
}

/**
 * Runs `fn` holding an exclusive lock shared by all processes of this machine (a `flock` held
 * by a child process that exits when its stdin closes, i.e. also when this process dies).
 */
async function withLock<T>(fn: () => Promise<T>, waitMs = 900_000, lockFile = kLockFile): Promise<T> {
  const holder = spawn('flock', ['-w', String(Math.ceil(waitMs / 1000)), lockFile, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    env: { ...process.env, PATH: sbinPath() },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  holder.stdin.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    holder.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('locked')) resolve();
    });
    holder.once('error', reject);
    holder.once('exit', (code) => reject(new Error(`could not lock ${lockFile} (flock exit ${code})`)));
  });
  try {
    return await fn();
  } finally {
    holder.stdin.end();
  }
}

function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function pidFromFile(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && pidAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

const hostNames = (n: number): string[] => Array.from({ length: n }, (_, i) => `${kPrefix}${i + 1}`);

/** The sshd of host `name` if it runs (its pid file names a live process). */
function sshdPid(name: string): number | null {
  return pidFromFile(path.join(kHostsDir, name, 'sshd.pid'));
}

/** Hosts h1..hn all up: recorded, sshd alive, client files present. */
function hostsUp(n: number): boolean {
  if (!existsSync(path.join(kHostsDir, 'ssh')) || !existsSync(path.join(kHostsDir, 'ssh_config'))) return false;
  let list: string[];
  try {
    list = readFileSync(path.join(kHostsDir, 'list'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return false;
  }
  return hostNames(n).every((h) => list.includes(h) && sshdPid(h) !== null && existsSync(`/run/netns/${h}`));
}

function describeHosts(n: number): TestHosts {
  const names = hostNames(n);
  const addresses = names.map((_, i) => `${kSubnet}.${i + 1}`);
  const hostfile = path.join(kHostsDir, `hostfile.${n}`);
  const text = addresses.map((a) => `${a} slots=2\n`).join('');
  let current = '';
  try {
    current = readFileSync(hostfile, 'utf8');
  } catch {
    // written below
  }
  if (current !== text) {
    const tmp = `${hostfile}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, hostfile);
  }
  return {
    addresses,
    names,
    hostfile,
    sshProgram: path.join(kHostsDir, 'ssh'),
    sshConfig: path.join(kHostsDir, 'ssh_config'),
    headAddress: `${kSubnet}.254`,
  };
}

/**
 * Brings up at least `n` test hosts (h1..hn) with up.sh, unless they already run; returns how
 * to reach the first n. Idempotent and safe to call concurrently from several processes.
 * More hosts than n that are already up are kept (up.sh would remove them).
 * From nothing it takes ~2 s (plus ~15 s the first time on a machine: apt-get openssh-server).
 */
export async function ensureHosts(n = 3): Promise<TestHosts> {
  if (hostsUp(n)) return describeHosts(n);
  return withLock(async () => {
    if (!hostsUp(n)) {
      const r = await exec(['bash', path.join(kClusterScripts, 'up.sh'), String(n), '2'], {
        env: { PATH: hostsPath() },
        timeoutMs: 600_000,
      });
      if (r.code !== 0) throw new Error(`up.sh ${n} failed (exit ${r.code ?? r.signal}):\n${r.stderr}`);
    }
    return describeHosts(n);
  });
}

/** The environment Slurm commands need (the config is not at its default place on every machine). */
export function slurmEnv(): Record<string, string> {
  return { SLURM_CONF: path.join(kSlurmDir, 'slurm.conf') };
}

/** The controller and every slurmd of the generated config run, in hosts mode. */
function slurmDaemonsUp(): boolean {
  try {
    if (readFileSync(path.join(kSlurmDir, 'mode'), 'utf8').trim() !== 'hosts') return false;
    const conf = readFileSync(path.join(kSlurmDir, 'slurm.conf'), 'utf8');
    const nodes = [...conf.matchAll(/^NodeName=(\S+)/gm)].map((m) => m[1]);
    if (!hostNames(3).every((h) => nodes.includes(h))) return false;
    if (pidFromFile(path.join(kSlurmDir, 'run/slurmctld.pid')) === null) return false;
    return nodes.every((h) => pidFromFile(path.join(kSlurmDir, `run/slurmd-${h}.pid`)) !== null && sshdPid(h) !== null);
  } catch {
    return false;
  }
}

async function slurmWorks(): Promise<string | null> {
  const r = await exec(['timeout', '30', 'srun', '-N', '3', '-n', '3', 'hostname'], { env: slurmEnv(), timeoutMs: 40_000 });
  const got = r.stdout.split('\n').filter(Boolean).sort().join(' ');
  if (r.code === 0 && got === hostNames(3).join(' ')) return null;
  return `srun -N 3 -n 3 hostname: exit ${r.code ?? r.signal}, stdout "${r.stdout.trim()}", stderr "${r.stderr.trim()}"`;
}

/**
 * Brings up the Slurm test cluster over hosts h1..h3 (ensureHosts(3) first) unless it already
 * runs there, and checks it with `srun -N 3 -n 3 hostname`. Idempotent and concurrency-safe; a
 * running cluster is never restarted (slurm-up.sh would restart it, killing others' jobs).
 * Takes ~1 s (plus ~10 s the first time: apt-get munge and slurm-wlm); srun waits up to 30 s. Every Slurm command
 * must run with `env` (SLURM_CONF): /etc/slurm/slurm.conf is only linked when it did not exist.
 */
export async function ensureSlurm(): Promise<SlurmStatus> {
  try {
    await ensureHosts(3);
    if (slurmDaemonsUp() && (await slurmWorks()) === null) return { ok: true, env: slurmEnv() };
    return await withLock(async () => {
      // A running cluster whose srun fails (busy?) is reported, not restarted under others' jobs.
      if (slurmDaemonsUp()) {
        const broken = await slurmWorks();
        return broken === null ? { ok: true, env: slurmEnv() } : { ok: false, reason: broken };
      }
      {
        const r = await exec(['bash', path.join(kClusterScripts, 'slurm-up.sh')], { env: { PATH: hostsPath() }, timeoutMs: 600_000 });
        if (r.code !== 0) {
          const last = r.stderr.trim().split('\n').slice(-5).join('\n');
          return { ok: false, reason: `slurm-up.sh failed (exit ${r.code ?? r.signal}): ${last}` };
        }
        const broken = await slurmWorks();
        if (broken !== null) return { ok: false, reason: broken };
      }
      return { ok: true, env: slurmEnv() };
    });
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/**
 * Live processes inside host `name`'s network namespace (the PID space is shared with this
 * machine), except the host's own sshd listener and slurmd. ssh sessions (`sshd: root@notty`),
 * slurmstepd and everything they started are listed. Zombies count as gone.
 */
export async function processesOnHost(name: string): Promise<Array<{ pid: number; command: string }>> {
  const r = await exec(['ip', 'netns', 'pids', name], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`ip netns pids ${name}: ${r.stderr.trim()}`);
  const daemons = new Set<number>();
  const sshd = sshdPid(name);
  if (sshd !== null) daemons.add(sshd);
  const slurmd = pidFromFile(path.join(kSlurmDir, `run/slurmd-${name}.pid`));
  if (slurmd !== null) daemons.add(slurmd);
  const out: Array<{ pid: number; command: string }> = [];
  for (const word of r.stdout.split('\n')) {
    const pid = Number(word.trim());
    if (!word.trim() || !Number.isInteger(pid) || daemons.has(pid) || !pidAlive(pid)) continue;
    let command: string;
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').split('\0').join(' ');
    } catch {
      continue; // ended meanwhile
    }
    out.push({ pid, command });
  }
  return out;
}

export interface HostRunOptions {
  /** Added to the environment (the command otherwise inherits this process's environment). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin, which is then closed (closed at once when absent). */
  input?: string;
  /** SIGKILL after this long (default 60 s). */
  killAfterMs?: number;
}

export interface HostRun {
  /** on.sh execs the command, so `child.pid` is the command's own pid (on the host). */
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  result: Promise<Exec>;
}

/**
 * Starts `argv` on host `name` without ssh (test/cluster/on.sh: nsenter into the host's network,
 * hostname and mount namespaces). Use it e.g. for a launcher that must run on a host.
 */
export function startOnHost(name: string, argv: readonly string[], opts: HostRunOptions = {}): HostRun {
  const child = spawn('bash', [path.join(kClusterScripts, 'on.sh'), name, ...argv], {
    cwd: opts.cwd ?? root,
    env: { ...process.env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return watched(child, opts.input, opts.killAfterMs ?? 60_000);
}

/** Runs `argv` on host `name` (see startOnHost) to completion. */
export function runOnHost(name: string, argv: readonly string[], opts: HostRunOptions = {}): Promise<Exec> {
  return startOnHost(name, argv, opts).result;
}

/** Runs `ssh -F sshConfig ADDR command` from this machine (a remote shell runs `command`). */
export function sshTo(hosts: TestHosts, address: string, command: string, timeoutMs = 30_000): Promise<Exec> {
  return exec([hosts.sshProgram, address, command], { timeoutMs });
}

async function setPort(name: string, state: 'up' | 'down'): Promise<void> {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`bad host name ${name}`);
  const r = await exec(['ip', '-n', kSwitchNs, 'link', 'set', name, state], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`ip -n ${kSwitchNs} link set ${name} ${state}: ${r.stderr.trim()}`);
}

/**
 * Cuts host `name` off the network, like a pulled cable: its port on the test switch goes down
 * (its eth0 stays configured, NO-CARRIER). Its processes keep running; packets to and from it
 * are dropped (connects from others time out, or fail with EHOSTUNREACH once ARP gives up).
 */
export function cutHost(name: string): Promise<void> {
  return setPort(name, 'down');
}

/** Plugs host `name` back in (the bridge has no STP: it forwards at once). */
export function restoreHost(name: string): Promise<void> {
  return setPort(name, 'up');
}

/**
 * Runs `fn`, a test that cuts host `name` and restores it, while no other test process does:
 * test files run in parallel, and one file's "the host is reachable" met another's cut of the
 * same host (a failure seen once in a pinned run). Every test that cuts a host runs in here;
 * the host is plugged back in before the next one may cut it.
 */
export function whileCuttingHost<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`bad host name ${name}`);
  // Plugged back in before the lock goes, whatever `fn` did.
  return withLock(
    async () => {
      try {
        return await fn();
      } finally {
        await restoreHost(name);
      }
    },
    900_000,
    `${kLockFile}.cut-${name}`,
  );
}
