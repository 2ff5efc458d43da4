/**
 * The last step of a job: supervision until every rank has ended, with their output passed
 * on, stdin to rank 0, signals forwarded and a hang report on SIGUSR1 or at --timeout; then
 * how the job ended, once the output is drained and late failure reports are in.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { LaunchOptions } from './args.js';
import { formatHangReport, kWaitsSignal, type ReportedRank } from './hang-report.js';
import { diagnostic } from './help.js';
import type { JobResult } from './job-end.js';
import type { JobIo } from './job-io.js';
import type { JobPlan } from './job-plan.js';
import type { StartedJob } from './job-start.js';
import { drainForwarding, forwardLines, OutputSink } from './output.js';
import { terminalColumns } from './rank-environment.js';
import { forwardStdin, type RankProcess } from './spawn/local.js';
import type { RemoteHost } from './spawn/remote.js';
import { exitStatusOf, kKillGraceMs, type SignalForwarder, type Supervisor } from './supervise.js';

/**
 * How long to wait, after a rank exited with a non-zero code, for its own failure report.
 * The exit (SIGCHLD) and the report (ZeroMQ's I/O thread) travel separately. A reporting rank
 * normally waits for the launcher's acknowledgement before exiting, so the report comes
 * first; this window covers the ranks that could not wait (abort() followed at once by
 * process.exit(), or an acknowledgement slower than the rank's bounded wait).
 */
export const kReportSettleMs = 200;

/** Watches a started job until it is over; resolves with how it ended. */
export async function watchJob(plan: JobPlan, started: StartedJob, signals: SignalForwarder, io: JobIo): Promise<JobResult> {
  const { ranks, supervisor } = started;
  const output = forwardOutput(ranks, plan.options, io);
  const stopStdin = forwardStdin(io.stdin, ranks[0]);
  signals.attach(supervisor);
  const stopHangReports = reportHangs(started, plan.options.timeout, output.stderr);
  try {
    await supervisor.wait();
    await Promise.all(started.agents.map(finishAgent));
  } finally {
    stopHangReports();
    stopStdin();
  }
  await Promise.all([output.drain(), settleReports(supervisor)]);
  const profiled = await plan.profile?.finish(plan.size);
  if (profiled) io.stderr.write(profiled);
  const end = supervisor.end ?? { kind: 'ok' };
  return { end, exitStatus: exitStatusOf(end), stopped: supervisor.stopped, size: plan.size };
}

/** The ranks' output, passed on in whole lines; drain() once they have exited. */
function forwardOutput(ranks: readonly RankProcess[], options: LaunchOptions, io: JobIo): { stderr: OutputSink; drain(): Promise<void> } {
  const stdout = new OutputSink(io.stdout);
  const stderr = new OutputSink(io.stderr);
  const tag = (r: RankProcess): string => (options.tagOutput ? `[${r.rank}] ` : '');
  const live = { live: terminalColumns(io.stderr) !== undefined };
  const outputs = ranks.flatMap((r) => [
    r.stdout ? forwardLines(r.stdout, stdout, tag(r)) : Promise.resolve(),
    r.stderr ? forwardLines(r.stderr, stderr, tag(r), live) : Promise.resolve(),
  ]);
  const drain = (): Promise<void> => {
    const pipes = ranks.flatMap((r) => [r.stdout, r.stderr].flatMap((p) => (p ? [p] : [])));
    return drainForwarding(outputs, pipes, kKillGraceMs);
  };
  return { stderr, drain };
}

/**
 * The hang report: printed on SIGUSR1, and at `seconds` (--timeout) the end of the job.
 * Returns the function that stops both.
 */
function reportHangs(started: StartedJob, seconds: number | undefined, stderr: OutputSink): () => void {
  const { ranks, server, supervisor, hang } = started;
  const states = (): ReportedRank[] =>
    ranks.map((r) => ({
      rank: r.rank,
      pid: r.pid,
      alive: supervisor.isAlive(r.rank),
      joined: server.hasJoined(r.rank),
      ...(r.host === undefined ? {} : { ask: () => r.signal(kWaitsSignal) }),
    }));
  const hangReport = async (): Promise<string[]> => formatHangReport(await hang.collect(states));
  // SIGUSR1: print the hang report and go on (Node's default for it, the inspector, is off meanwhile).
  const onReportSignal = (): void => {
    void hangReport().then((lines) => stderr.write(Buffer.from(lines.map(diagnostic).join(''))));
  };
  process.on('SIGUSR1', onReportSignal);
  const timer =
    seconds === undefined
      ? undefined
      : setTimeout(() => {
          void hangReport().then((report) => supervisor.fail({ kind: 'timeout', seconds, report }));
        }, seconds * 1000);
  return () => {
    clearTimeout(timer);
    process.off('SIGUSR1', onReportSignal);
  };
}

/** The job is over: the agent stops what is left and leaves; one that does not is cut off. */
async function finishAgent(agent: RemoteHost): Promise<void> {
  agent.finish();
  const timer = setTimeout(() => agent.kill(), 3 * kKillGraceMs);
  await agent.closed;
  clearTimeout(timer);
}

async function settleReports(supervisor: Supervisor): Promise<void> {
  if (supervisor.end?.kind !== 'exit') return;
  await delay(kReportSettleMs);
  // Let a frame that is already readable be handled (poll phase) before the verdict is read.
  await new Promise((resolve) => setImmediate(resolve));
}
