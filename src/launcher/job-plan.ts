/**
 * The first step of a job: everything decided before anything is started. Options, hosts and
 * program are checked here, so a job that cannot start fails before it creates anything but
 * the profile's trace file.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { JobKeys } from '../comm/bootstrap/keys.js';
import type { LaunchOptions } from './args.js';
import { LaunchError } from './errors.js';
import { describeFsError, Texts } from './help.js';
import { totalSlots } from './hostfile.js';
import { hostAddress, planHosts, type HostPlan } from './hosts.js';
import type { JobIo } from './job-io.js';
import { mapRanks, type Placement } from './mapping.js';
import { addressToward, resolveIface } from './net/address.js';
import { JobProfile } from './profile/job-profile.js';
import { checkRankOptions, rankEnvironment, terminalColumns } from './rank-environment.js';
import { newJobKeys } from './rendezvous-server.js';

/** Where the ranks of a job run. */
export interface JobPlacement {
  size: number;
  /** This host's name. */
  here: string;
  /** The ranks started on this host. */
  local: Placement[];
  /** The ranks started by agents on other hosts. */
  remote: Placement[];
  /** The other hosts, one agent each. */
  remoteHosts: string[];
}

/** A job as it will run, before anything of it exists. */
export interface JobPlan extends JobPlacement {
  options: LaunchOptions;
  /** The program's absolute path. */
  program: string;
  programArgs: readonly string[];
  cwd: string;
  /** The launch agent's command for other hosts, e.g. ['ssh'] or ['srun']. */
  launch: string[];
  /** Where ranks on other hosts reach this one; undefined when every rank runs here. */
  launcherAddress: string | undefined;
  /** The environment of the ranks started here. */
  env: NodeJS.ProcessEnv;
  keys: JobKeys;
  jobId: string;
  profile: JobProfile | undefined;
}

/** Plans a job. Rejects with a {@link LaunchError} when it cannot run. */
export async function planJob(options: LaunchOptions, program: string, programArgs: readonly string[], io: JobIo): Promise<JobPlan> {
  const hosts = await planHosts(options, io.cwd, io.env);
  const placement = placeRanks(options, hosts);
  const programPath = await checkProgram(program, io.cwd);
  const encryption = encryptionFrom(io.env);
  if (encryption === 'off' && placement.remoteHosts.length > 0) throw new LaunchError('ERR_USAGE', Texts.encryptionOffRemote(placement.remoteHosts));
  const profile = JobProfile.of(options, io.cwd);
  await profile?.prepare();
  const env = { ...rankEnvironment(options, io.env, terminalColumns(io.stderr)), ...profile?.rankEnv() };
  checkRankOptions(env);
  return {
    ...placement,
    options,
    program: programPath,
    programArgs,
    cwd: io.cwd,
    launch: hosts.launch,
    launcherAddress: await launcherAddress(options, placement.remoteHosts, hosts.slurm),
    env,
    // The job secret (comm/bootstrap/keys.ts); the start writes it to the job directory.
    keys: newJobKeys(encryption),
    jobId: randomBytes(8).toString('hex'),
    profile,
  };
}

function placeRanks(options: LaunchOptions, plan: HostPlan): JobPlacement {
  const hosts = plan.hosts;
  const size = options.np ?? (hosts ? totalSlots(hosts) : os.availableParallelism());
  const here = os.hostname();
  const placements = mapRanks(hosts ?? [{ name: here, slots: size }], size, options.mapBy, options.oversubscribe || !hosts);
  const remoteNames = new Set((hosts ?? []).filter((h) => !h.local).map((h) => h.name));
  const remote = placements.filter((p) => remoteNames.has(p.host));
  return { size, here, local: placements.filter((p) => !remoteNames.has(p.host)), remote, remoteHosts: [...new Set(remote.map((p) => p.host))] };
}

/**
 * The address ranks on other hosts reach this one at, and that ranks here advertise to them.
 * --iface NAME: that interface here and on every host; --iface ADDR: this host's address, and
 * each other host advertises its interface toward it.
 */
async function launcherAddress(options: LaunchOptions, remoteHosts: readonly string[], slurm: boolean): Promise<string | undefined> {
  if (remoteHosts.length === 0) return undefined;
  if (options.iface !== undefined) return resolveIface(options.iface);
  return addressToward(await hostAddress(remoteHosts[0], slurm));
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
