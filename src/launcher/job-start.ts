/**
 * Starting a job: its key file and control plane, then its ranks, here directly and on each
 * other host through an agent. What starts is recorded in the job's resources at once. A
 * start that fails kills the ranks it started: ERR_SPAWN when a rank here cannot even be
 * attempted, ERR_CONTROL when the control plane cannot listen for the other hosts.
 */
import { isIP } from 'node:net';
import { serverOptions, writeKeyFile } from '../comm/bootstrap/keys.js';
import { kSilenceMs, kSilenceThroughSlurmMs, type StartMessage } from './agent/protocol.js';
import { LaunchError } from './errors.js';
import { HangReporter } from './hang-report.js';
import { describeFsError, Texts } from './help.js';
import type { JobPlan } from './job-plan.js';
import type { JobResources } from './job-resources.js';
import type { Placement } from './mapping.js';
import { remoteEnvironment } from './rank-environment.js';
import { RendezvousServer, type ControlHandlers } from './rendezvous-server.js';
import { agentCommand, isSrun, remoteArgv } from './spawn/launch-command.js';
import { spawnLocalRank, type LocalJobSpec, type RankProcess } from './spawn/local.js';
import { RemoteHost } from './spawn/remote.js';
import { removeStaleJobDirs } from './stale-jobs.js';
import { Supervisor } from './supervise.js';

/** The control plane of a job, open before any rank starts. */
export interface JobControl {
  server: RendezvousServer;
  hang: HangReporter;
  unjoined: UnjoinedRanks;
}

/** A job whose ranks have started, under their supervisor. */
export interface StartedJob extends JobControl {
  /** Every rank, here and on the other hosts, in rank order. */
  ranks: RankProcess[];
  agents: readonly RemoteHost[];
  supervisor: Supervisor;
}

/** Writes the job's key file and opens its control plane. */
export async function openControl(plan: JobPlan, job: JobResources): Promise<JobControl> {
  try {
    writeKeyFile(job.keyFile, plan.keys);
  } catch (error) {
    throw new LaunchError('ERR_CONTROL', Texts.jobDirFailed(describeFsError(error)), { cause: error });
  }
  const hang = new HangReporter();
  const unjoined = new UnjoinedRanks(job);
  const handlers = controlHandlers(plan, job, hang, unjoined);
  const server = await RendezvousServer.bind(job.control, plan.size, handlers, serverOptions(plan.keys)).catch((error: unknown) => {
    throw new LaunchError('ERR_CONTROL', Texts.controlFailed(job.control, describeFsError(error)), { cause: error });
  });
  job.server = server;
  return { server, hang, unjoined };
}

/** Starts every rank: those of this host, then one agent per other host for theirs. */
export async function startRanks(plan: JobPlan, job: JobResources, control: JobControl): Promise<StartedJob> {
  plan.profile?.startup.spawning();
  const local = spawnAll(localJobSpec(plan, job), plan.local);
  // What killed jobs left here goes now, in the background while the ranks start.
  job.sweep = removeStaleJobDirs();
  if (plan.launcherAddress !== undefined) await startAgents(plan, plan.launcherAddress, control.server, local, job.agents);
  const ranks = [...local, ...job.agents.flatMap((a) => a.ranks)].sort((a, b) => a.rank - b.rank);
  const supervisor = new Supervisor(ranks, { onCleanExit: (r) => control.unjoined.exitedCleanly(r, control.server) });
  job.supervisor = supervisor;
  return { ...control, ranks, agents: job.agents, supervisor };
}

/** A rank that left without joining can never answer its peers: the job cannot form. */
class UnjoinedRanks {
  readonly #job: JobResources;
  readonly #left: RankProcess[] = [];

  constructor(job: JobResources) {
    this.#job = job;
  }

  /** A rank joined: one that left before anybody had joined now fails the job. */
  hello(): void {
    if (this.#left.length > 0) this.#fail(this.#left[0]);
  }

  exitedCleanly(r: RankProcess, server: RendezvousServer): void {
    if (server.hasJoined(r.rank)) return;
    if (server.joinedCount > 0) this.#fail(r);
    else this.#left.push(r);
  }

  #fail(r: RankProcess): void {
    this.#job.supervisor?.fail({ kind: 'not-joined', rank: r.rank, pid: r.pid });
  }
}

function controlHandlers(plan: JobPlan, job: JobResources, hang: HangReporter, unjoined: UnjoinedRanks): ControlHandlers {
  return {
    hello: (m) => {
      plan.profile?.startup.hello(m);
      unjoined.hello();
    },
    formed: () => plan.profile?.startup.formed(),
    failed: (m) => job.supervisor?.report({ kind: m.reason, rank: m.rank, stack: m.stack }),
    abort: (m) => job.supervisor?.report({ kind: 'abort', rank: m.rank, code: m.code }),
    waits: (m) => hang.receive(m),
    diag: (m) => plan.profile?.receive(m),
  };
}

function localJobSpec(plan: JobPlan, job: JobResources): LocalJobSpec {
  const spread = plan.launcherAddress === undefined ? {} : { address: plan.launcherAddress, node: plan.here };
  return {
    program: plan.program,
    programArgs: plan.programArgs,
    cwd: plan.cwd,
    env: plan.env,
    job: { size: plan.size, localSize: plan.local[0]?.localSize ?? 0, jobId: plan.jobId, control: job.control, jobDir: job.dir, keys: job.keyFile, ...spread },
  };
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

/**
 * Agents reach the control plane over TCP at `address`; if it cannot listen there, the ranks
 * started here are killed. Each agent is pushed to `agents` as it starts.
 */
async function startAgents(plan: JobPlan, address: string, server: RendezvousServer, local: readonly RankProcess[], agents: RemoteHost[]): Promise<void> {
  const control = await server.bindAlso(`tcp://${address}:*`).catch((error: unknown) => {
    new Supervisor(local).killAll();
    throw new LaunchError('ERR_CONTROL', Texts.controlFailed(`tcp://${address}`, describeFsError(error)), { cause: error });
  });
  const command = agentCommand();
  const env = remoteEnvironment(plan.options, plan.env);
  try {
    for (const host of plan.remoteHosts) {
      agents.push(new RemoteHost({ argv: remoteArgv(plan.launch, host, command), start: startMessage(plan, host, { control, address, env }) }));
    }
  } catch (error) {
    // An agent that cannot start (spawning ssh out of file descriptors): nothing watches the
    // ranks and agents started so far yet, so they are stopped here.
    new Supervisor(local).killAll();
    for (const agent of agents) agent.kill();
    throw error;
  }
}

function startMessage(plan: JobPlan, host: string, at: { control: string; address: string; env: Record<string, string> }): StartMessage {
  const mine = plan.remote.filter((p) => p.host === host);
  const iface = plan.options.iface;
  return {
    type: 'start',
    host,
    program: plan.program,
    programArgs: [...plan.programArgs],
    cwd: plan.cwd,
    env: at.env,
    job: { size: plan.size, localSize: mine[0].localSize, jobId: plan.jobId, control: at.control },
    keys: plan.keys,
    ranks: mine.map((p) => ({ rank: p.rank, localRank: p.localRank })),
    ...(iface !== undefined && isIP(iface) === 0 ? { iface } : {}),
    launcherAddress: at.address,
    silenceMs: isSrun(plan.launch) ? kSilenceThroughSlurmMs : kSilenceMs,
  };
}
