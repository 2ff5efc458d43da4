/**
 * One job on this host: plan (hosts → placements, job-plan.ts) → job directory → control
 * plane → ranks → supervision → cleanup. Everything a job creates (processes, their process groups, the job
 * directory, the control socket) is released before runJob settles, and on a crash of the
 * launcher by the process 'exit' hook.
 */
import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { kKeyFileName, serverOptions, writeKeyFile } from '../comm/bootstrap/keys.js';
import type { LaunchOptions } from './args.js';
import { LaunchError } from './errors.js';
import { HangReporter, formatHangReport, kWaitsSignal, type ReportedRank } from './hang-report.js';
import { describeFsError, diagnostic, Texts } from './help.js';
import { makeJobDir } from './job-dir.js';
import { defaultIo, type JobIo } from './job-io.js';
import { planJob } from './job-plan.js';
import { kSilenceMs, kSilenceThroughSlurmMs } from './agent/protocol.js';
import { agentCommand, isSrun, remoteArgv } from './spawn/launch-command.js';
import { RemoteHost } from './spawn/remote.js';
import { removeStaleJobDirs } from './stale-jobs.js';
import type { Placement } from './mapping.js';
import { drainForwarding, forwardLines, OutputSink } from './output.js';
import { remoteEnvironment, terminalColumns } from './rank-environment.js';
import { RendezvousServer } from './rendezvous-server.js';
import { forwardStdin, spawnLocalRank, type LocalJobSpec, type RankProcess } from './spawn/local.js';
import type { JobEnd, JobResult } from './job-end.js';
import { exitStatusOf, kKillGraceMs, SignalForwarder, Supervisor } from './supervise.js';

/**
 * How long to wait, after a rank exited with a non-zero code, for its own failure report.
 * The exit (SIGCHLD) and the report (ZeroMQ's I/O thread) travel separately. A reporting rank
 * normally waits for the launcher's acknowledgement before exiting, so the report comes
 * first; this window covers the ranks that could not wait (abort() followed at once by
 * process.exit(), or an acknowledgement slower than the rank's bounded wait).
 */
export const kReportSettleMs = 200;

export type { JobResult } from './job-end.js';
export type { JobIo } from './job-io.js';

/**
 * Runs `program` as a job. Rejects with a {@link LaunchError} when the job cannot start; a
 * job that starts always resolves, with how it ended.
 *
 * ```ts
 * const { exitStatus } = await runJob({ ...kDefaultLaunchOptions, np: 4 }, 'examples/hello.ts', []);
 * ```
 */
export async function runJob(options: LaunchOptions, program: string, programArgs: readonly string[], io: JobIo = defaultIo()): Promise<JobResult> {
  const plan = await planJob(options, program, programArgs, io);
  const {
    size: n,
    here,
    local: localPlacements,
    remote: remotePlacements,
    remoteHosts,
    program: programPath,
    profile,
    env,
    launcherAddress,
    keys,
    jobId,
  } = plan;
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
  const agents: RemoteHost[] = [];
  const leftUnjoined: RankProcess[] = [];
  const notJoined = (r: RankProcess): void => supervisor?.fail({ kind: 'not-joined', rank: r.rank, pid: r.pid });
  const cleanupOnExit = (): void => {
    supervisor?.killAll();
    // Their agents see the channel close and kill their hosts' ranks.
    for (const agent of agents) agent.kill();
    rmSync(jobDir, { recursive: true, force: true });
  };
  process.on('exit', cleanupOnExit);
  let server: RendezvousServer | undefined;
  let sweep: Promise<string[]> | undefined;
  try {
    try {
      writeKeyFile(keyFile, keys);
    } catch (error) {
      throw new LaunchError('ERR_CONTROL', Texts.jobDirFailed(describeFsError(error)), { cause: error });
    }
    const hang = new HangReporter();
    server = await RendezvousServer.bind(
      control,
      n,
      {
        // A rank that left without joining can never answer its peers: the job cannot form.
        hello: (m) => {
          profile?.startup.hello(m);
          if (leftUnjoined.length > 0) notJoined(leftUnjoined[0]);
        },
        formed: () => profile?.startup.formed(),
        failed: (m) => supervisor?.report({ kind: m.reason, rank: m.rank, stack: m.stack }),
        abort: (m) => supervisor?.report({ kind: 'abort', rank: m.rank, code: m.code }),
        waits: (m) => hang.receive(m),
        diag: (m) => profile?.receive(m),
      },
      serverOptions(keys),
    ).catch((error: unknown) => {
      throw new LaunchError('ERR_CONTROL', Texts.controlFailed(control, describeFsError(error)), { cause: error });
    });
    if (signals.received !== undefined) {
      const end: JobEnd = { kind: 'interrupted', signal: signals.received };
      return { end, exitStatus: exitStatusOf(end), stopped: 0, size: n };
    }
    const joined = server;
    const spread = launcherAddress === undefined ? {} : { address: launcherAddress, node: here };
    const spec: LocalJobSpec = {
      program: programPath,
      programArgs,
      cwd: io.cwd,
      env,
      job: { size: n, localSize: localPlacements[0]?.localSize ?? 0, jobId, control, jobDir, keys: keyFile, ...spread },
    };
    profile?.startup.spawning();
    const local = spawnAll(spec, localPlacements);
    // What killed jobs left here goes now, in the background while the ranks start.
    sweep = removeStaleJobDirs();
    if (launcherAddress !== undefined) {
      const tcpControl = await server.bindAlso(`tcp://${launcherAddress}:*`).catch((error: unknown) => {
        new Supervisor(local).killAll();
        throw new LaunchError('ERR_CONTROL', Texts.controlFailed(`tcp://${launcherAddress}`, describeFsError(error)), { cause: error });
      });
      const command = agentCommand();
      const remoteEnv = remoteEnvironment(options, env);
      for (const host of remoteHosts) {
        const mine = remotePlacements.filter((p) => p.host === host);
        agents.push(
          new RemoteHost({
            argv: remoteArgv(plan.launch, host, command),
            start: {
              type: 'start',
              host,
              program: programPath,
              programArgs: [...programArgs],
              cwd: io.cwd,
              env: remoteEnv,
              job: { size: n, localSize: mine[0].localSize, jobId, control: tcpControl },
              keys,
              ranks: mine.map((p) => ({ rank: p.rank, localRank: p.localRank })),
              ...(options.iface !== undefined && isIP(options.iface) === 0 ? { iface: options.iface } : {}),
              launcherAddress,
              silenceMs: isSrun(plan.launch) ? kSilenceThroughSlurmMs : kSilenceMs,
            },
          }),
        );
      }
    }
    const ranks = [...local, ...agents.flatMap((a) => a.ranks)].sort((a, b) => a.rank - b.rank);
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
    const live = { live: terminalColumns(io.stderr) !== undefined };
    const outputs = ranks.flatMap((r) => [
      r.stdout ? forwardLines(r.stdout, stdout, tag(r)) : Promise.resolve(),
      r.stderr ? forwardLines(r.stderr, stderr, tag(r), live) : Promise.resolve(),
    ]);
    const stopStdin = forwardStdin(io.stdin, ranks[0]);
    signals.attach(supervisor);
    const running = supervisor;
    const states = (): ReportedRank[] =>
      ranks.map((r) => ({
        rank: r.rank,
        pid: r.pid,
        alive: running.isAlive(r.rank),
        joined: joined.hasJoined(r.rank),
        ...(r.host === undefined ? {} : { ask: () => r.signal(kWaitsSignal) }),
      }));
    const hangReport = async (): Promise<string[]> => formatHangReport(await hang.collect(states));
    // SIGUSR1: print the hang report and go on (Node's default for it, the inspector, is off meanwhile).
    const onReportSignal = (): void => {
      void hangReport().then((lines) => stderr.write(Buffer.from(lines.map(diagnostic).join(''))));
    };
    process.on('SIGUSR1', onReportSignal);
    const seconds = options.timeout;
    const timer =
      seconds === undefined
        ? undefined
        : setTimeout(() => {
            void hangReport().then((report) => running.fail({ kind: 'timeout', seconds, report }));
          }, seconds * 1000);
    try {
      await supervisor.wait();
      await Promise.all(agents.map(finishAgent));
    } finally {
      clearTimeout(timer);
      process.off('SIGUSR1', onReportSignal);
      stopStdin();
    }
    const pipes = ranks.flatMap((r) => [r.stdout, r.stderr].flatMap((p) => (p ? [p] : [])));
    await Promise.all([drainForwarding(outputs, pipes, kKillGraceMs), settleReports(supervisor)]);
    const profiled = await profile?.finish(n);
    if (profiled) io.stderr.write(profiled);
    const end = supervisor.end ?? { kind: 'ok' };
    return { end, exitStatus: exitStatusOf(end), stopped: supervisor.stopped, size: n };
  } finally {
    server?.close();
    await Promise.all([fs.rm(jobDir, { recursive: true, force: true }), sweep]);
    process.off('exit', cleanupOnExit);
    signals.dispose();
  }
}

/** The job is over: the agent stops what is left and leaves; one that does not is cut off. */
async function finishAgent(agent: RemoteHost): Promise<void> {
  agent.finish();
  const timer = setTimeout(() => agent.kill(), 3 * kKillGraceMs);
  await agent.closed;
  clearTimeout(timer);
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
