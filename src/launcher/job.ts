/**
 * One job on this host: hosts → placements → job directory → control plane → ranks →
 * supervision → cleanup. Everything a job creates (processes, their process groups, the job
 * directory, the control socket) is released before runJob settles, and on a crash of the
 * launcher by the process 'exit' hook.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { kKeyFileName, serverOptions, writeKeyFile, type JobKeys } from '../comm/bootstrap/keys.js';
import { receiveBufferFromEnv } from '../comm/options.js';
import type { LaunchOptions } from './args.js';
import { LaunchError } from './errors.js';
import { HangReporter, formatHangReport, type ReportedRank } from './hang-report.js';
import { describeFsError, diagnostic, Texts } from './help.js';
import { parseHostfile, totalSlots, type Host } from './hostfile.js';
import { mapRanks, type Placement } from './mapping.js';
import { drainForwarding, forwardLines, OutputSink } from './output.js';
import { newJobKeys, RendezvousServer } from './rendezvous-server.js';
import { forwardStdin, spawnLocalRank, type LocalJobSpec, type RankProcess } from './spawn/local.js';
import { exitStatusOf, kKillGraceMs, SignalForwarder, Supervisor, type JobEnd } from './supervise.js';

/**
 * How long to wait, after a rank exited with a non-zero code, for its own failure report.
 * The exit (SIGCHLD) and the report (ZeroMQ's I/O thread) travel separately. A reporting rank
 * normally waits for the launcher's acknowledgement before exiting, so the report comes
 * first; this window covers the ranks that could not wait (abort() followed at once by
 * process.exit(), or an acknowledgement slower than the rank's bounded wait).
 */
export const kReportSettleMs = 200;
// sun_path holds 108 bytes; ranks bind <jobDir>/<rank>.
const kMaxIpcPath = 100;

/** Where a job reads and writes; process's own streams by default. */
export interface JobIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** How a job ended, and what tsmpirun reports about it. */
export interface JobResult {
  end: JobEnd;
  exitStatus: number;
  /** Ranks still running when the job was stopped (the failed rank not counted). */
  stopped: number;
  size: number;
}

const defaultIo = (): JobIo => ({
  stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(),
});

/**
 * Runs `program` as a job. Rejects with a {@link LaunchError} when the job cannot start; a
 * job that starts always resolves, with how it ended.
 *
 * ```ts
 * const { exitStatus } = await runJob({ ...kDefaultLaunchOptions, np: 4 }, 'examples/hello.ts', []);
 * ```
 */
export async function runJob(options: LaunchOptions, program: string, programArgs: readonly string[], io: JobIo = defaultIo()): Promise<JobResult> {
  const hosts = await resolveHosts(options, io.cwd);
  const n = options.np ?? (hosts ? totalSlots(hosts) : os.availableParallelism());
  const placements = mapRanks(hosts ?? [{ name: os.hostname(), slots: n }], n, options.mapBy, options.oversubscribe || !hosts);
  const programPath = await checkProgram(program, io.cwd);
  const encryption = encryptionFrom(io.env);
  const env = rankEnvironment(options, io.env);
  checkRankOptions(env);
  const signals = new SignalForwarder();
  const jobDir = await makeJobDir().catch((error: unknown) => {
    signals.dispose();
    throw error;
  });
  const control = `ipc://${path.join(jobDir, 'control')}`;
  // The job secret (comm/bootstrap/keys.ts): fresh keys in a 0600 file of the 0700 job
  // directory; ranks get the file's path, never the keys, in their environment.
  const keyFile = path.join(jobDir, kKeyFileName);
  let supervisor: Supervisor | undefined;
  const leftUnjoined: RankProcess[] = [];
  const notJoined = (r: RankProcess): void => supervisor?.fail({ kind: 'not-joined', rank: r.rank, pid: r.pid });
  const cleanupOnExit = (): void => {
    supervisor?.killAll();
    rmSync(jobDir, { recursive: true, force: true });
  };
  process.on('exit', cleanupOnExit);
  let server: RendezvousServer | undefined;
  try {
    const keys = newJobKeys(encryption);
    try {
      writeKeyFile(keyFile, keys);
    } catch (error) {
      throw new LaunchError('ERR_CONTROL', Texts.jobDirFailed(describeFsError(error)), { cause: error });
    }
    const hang = new HangReporter();
    server = await RendezvousServer.bind(control, n, {
      // A rank that left without joining can never answer its peers: the job cannot form.
      hello: () => leftUnjoined.length > 0 && notJoined(leftUnjoined[0]),
      failed: (m) => supervisor?.report({ kind: m.reason, rank: m.rank, stack: m.stack }),
      abort: (m) => supervisor?.report({ kind: 'abort', rank: m.rank, code: m.code }),
      waits: (m) => hang.receive(m),
    }, serverOptions(keys)).catch((error: unknown) => {
      throw new LaunchError('ERR_CONTROL', Texts.controlFailed(control, describeFsError(error)), { cause: error });
    });
    if (signals.received !== undefined) {
      const end: JobEnd = { kind: 'interrupted', signal: signals.received };
      return { end, exitStatus: exitStatusOf(end), stopped: 0, size: n };
    }
    const joined = server;
    const spec: LocalJobSpec = {
      program: programPath, programArgs, cwd: io.cwd, env,
      // Every host is this machine for now, so the local numbering is the global one.
      job: { size: n, localSize: n, jobId: randomBytes(8).toString('hex'), control, jobDir, keys: keyFile },
    };
    const ranks = spawnAll(spec, placements);
    supervisor = new Supervisor(ranks, {
      onCleanExit: (r) => {
        if (joined.hasJoined(r.rank)) return;
        if (joined.joinedCount > 0) notJoined(r);
        else leftUnjoined.push(r);
      },
    });
    const stdout = new OutputSink(io.stdout);
    const stderr = new OutputSink(io.stderr);
    const tag = (r: RankProcess): string => (options.tagOutput ? `[${r.rank}] ` : '');
    const outputs = ranks.flatMap((r) => [
      r.stdout ? forwardLines(r.stdout, stdout, tag(r)) : Promise.resolve(),
      r.stderr ? forwardLines(r.stderr, stderr, tag(r)) : Promise.resolve(),
    ]);
    const stopStdin = forwardStdin(io.stdin, ranks[0]);
    signals.attach(supervisor);
    const running = supervisor;
    const states = (): ReportedRank[] => ranks.map((r) => ({ rank: r.rank, pid: r.pid, alive: running.isAlive(r.rank), joined: joined.hasJoined(r.rank) }));
    const hangReport = async (): Promise<string[]> => formatHangReport(await hang.collect(states));
    // SIGUSR1: print the hang report and go on (Node's default for it, the inspector, is off meanwhile).
    const onReportSignal = (): void => {
      void hangReport().then((lines) => stderr.write(Buffer.from(lines.map(diagnostic).join(''))));
    };
    process.on('SIGUSR1', onReportSignal);
    const seconds = options.timeout;
    const timer = seconds === undefined ? undefined : setTimeout(() => {
      void hangReport().then((report) => running.fail({ kind: 'timeout', seconds, report }));
    }, seconds * 1000);
    try {
      await supervisor.wait();
    } finally {
      clearTimeout(timer);
      process.off('SIGUSR1', onReportSignal);
      stopStdin();
    }
    const pipes = ranks.flatMap((r) => [r.stdout, r.stderr].flatMap((p) => (p ? [p] : [])));
    await Promise.all([drainForwarding(outputs, pipes, kKillGraceMs), settleReports(supervisor)]);
    const end = supervisor.end ?? { kind: 'ok' };
    return { end, exitStatus: exitStatusOf(end), stopped: supervisor.stopped, size: n };
  } finally {
    server?.close();
    await fs.rm(jobDir, { recursive: true, force: true });
    process.off('exit', cleanupOnExit);
    signals.dispose();
  }
}

/** The hosts of --host/--hostfile (local aliases merged into this host), or undefined. */
async function resolveHosts(options: LaunchOptions, cwd: string): Promise<Host[] | undefined> {
  let hosts = options.hosts;
  if (options.hostfile !== undefined) {
    const file = options.hostfile;
    const text = await fs.readFile(path.resolve(cwd, file), 'utf8').catch((error: unknown) => {
      throw new LaunchError('ERR_HOSTFILE', Texts.hostfileRead(file, describeFsError(error)), { cause: error });
    });
    hosts = parseHostfile(text, file);
  }
  if (hosts === undefined) return undefined;
  const local = localNames();
  const remote = hosts.filter((h) => !local.has(h.name) && !/^127\./.test(h.name));
  if (remote.length > 0) {
    throw new LaunchError('ERR_REMOTE_HOST', Texts.remoteHosts(remote.map((h) => h.name)), { host: remote[0].name });
  }
  return [{ name: os.hostname(), slots: totalSlots(hosts) }];
}

function localNames(): Set<string> {
  const names = new Set(['localhost', 'localhost.localdomain', '::1', '[::1]', os.hostname(), os.hostname().split('.')[0]]);
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) names.add(a.address);
  }
  return names;
}

/** The absolute path of a readable program file. */
async function checkProgram(program: string, cwd: string): Promise<string> {
  const absolute = path.resolve(cwd, program);
  try {
    const stat = await fs.stat(absolute);
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    await fs.access(absolute, fsConstants.R_OK);
    return absolute;
  } catch (error) {
    throw new LaunchError('ERR_PROGRAM', Texts.programUnreadable(program, describeFsError(error)), { cause: error });
  }
}

/**
 * A private (0700) directory for the job's ipc sockets and key file, short enough for their
 * paths. Checked after creation: the key file and the same-host endpoints rely on nobody else
 * being able to enter it (a umask or a tmpdir with odd ACL defaults must not silently widen it).
 */
async function makeJobDir(): Promise<string> {
  const base = path.join(os.tmpdir(), 'tsmpi-').length + 16 < kMaxIpcPath ? os.tmpdir() : '/tmp';
  let dir: string | undefined;
  try {
    dir = await fs.mkdtemp(path.join(base, 'tsmpi-'));
    const stat = await fs.lstat(dir);
    const uid = process.getuid?.();
    if (!stat.isDirectory() || (stat.mode & 0o777) !== 0o700 || (uid !== undefined && stat.uid !== uid)) {
      throw new Error(`${dir} is not a directory of mode 700 owned by this user`);
    }
    return dir;
  } catch (error) {
    if (dir !== undefined) await fs.rm(dir, { recursive: true, force: true });
    throw new LaunchError('ERR_CONTROL', Texts.jobDirFailed(describeFsError(error)), { cause: error });
  }
}

/**
 * TSMPI_ENCRYPTION in the launcher's environment: "on" (default) or "off". Off keeps CURVE on
 * the control plane but drops it on the data plane, whose ipc endpoints are in the 0700 job
 * directory: for trusted single-host runs where encryption costs too much (see README).
 */
function encryptionFrom(env: NodeJS.ProcessEnv): JobKeys['encryption'] {
  const value = env.TSMPI_ENCRYPTION;
  if (value === undefined || value === '' || value === 'on') return 'on';
  if (value === 'off') return 'off';
  throw new LaunchError('ERR_USAGE', Texts.badEncryption(value));
}

/** Rank options read from the environment, checked once here instead of failing in every rank. */
function checkRankOptions(env: NodeJS.ProcessEnv): void {
  try {
    receiveBufferFromEnv(env);
  } catch (error) {
    throw new LaunchError('ERR_USAGE', (error as Error).message, { cause: error });
  }
}

/**
 * The launcher's environment plus `-x` exports (a bare `-x NAME` exports the launcher's value).
 * With --timeout the user asked for a hang report, so ranks record call sites (a cost on every
 * call, off otherwise) unless TSMPI_CALL_SITES was set explicitly.
 */
function rankEnvironment(options: LaunchOptions, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const result = { ...env };
  if (options.timeout !== undefined && result.TSMPI_CALL_SITES === undefined) result.TSMPI_CALL_SITES = 'on';
  for (const { name, value } of options.exports) {
    const exported = value ?? env[name];
    if (exported !== undefined) result[name] = exported;
  }
  return result;
}

/** Spawns every rank; if one cannot even be attempted, the ones started are killed. */
function spawnAll(spec: LocalJobSpec, placements: readonly Placement[]): RankProcess[] {
  const ranks: RankProcess[] = [];
  try {
    for (const p of placements) ranks.push(spawnLocalRank(spec, { rank: p.rank, localRank: p.localRank }));
    return ranks;
  } catch (error) {
    new Supervisor(ranks).killAll();
    throw new LaunchError('ERR_SPAWN', Texts.spawnFailed(ranks.length, (error as Error).message), { cause: error, rank: ranks.length });
  }
}

async function settleReports(supervisor: Supervisor): Promise<void> {
  if (supervisor.end?.kind !== 'exit') return;
  await delay(kReportSettleMs);
  // Let a frame that is already readable be handled (poll phase) before the verdict is read.
  await new Promise((resolve) => setImmediate(resolve));
}
