/**
 * Where a job's ranks run: the hosts of --hostfile or --host, else the nodes of the Slurm
 * allocation tsmpirun runs in, else this machine alone; and how remote hosts are reached.
 */
import { execFile } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { LaunchOptions } from './args.js';
import { LaunchError } from './errors.js';
import { describeFsError, Texts } from './help.js';
import { parseHostfile, totalSlots, type Host } from './hostfile.js';
import { allocationFromEnv } from './slurm/environment.js';
import { splitCommand } from './spawn/launch-command.js';

/** A host of the job; `local` when it is this machine (its ranks are started directly). */
export interface JobHost extends Host {
  local: boolean;
}

export interface HostPlan {
  /** undefined: no hosts were given and there is no allocation (every rank here, any number). */
  hosts: JobHost[] | undefined;
  /** The launch agent's command for remote hosts, e.g. ['ssh'] or ['srun']. */
  launch: string[];
  /** The hosts are a Slurm allocation's nodes. */
  slurm: boolean;
}

/**
 * The job's hosts and launch agent. Entries naming this machine (localhost, its name, one of
 * its addresses) are merged into one local host named after it, keeping the first's place.
 */
export async function planHosts(options: LaunchOptions, cwd: string, env: NodeJS.ProcessEnv): Promise<HostPlan> {
  let listed = options.hosts;
  if (options.hostfile !== undefined) {
    const file = options.hostfile;
    const text = await fs.readFile(path.resolve(cwd, file), 'utf8').catch((error: unknown) => {
      throw new LaunchError('ERR_HOSTFILE', Texts.hostfileRead(file, describeFsError(error)), { cause: error });
    });
    listed = parseHostfile(text, file);
  }
  const allocation = listed === undefined ? allocationFromEnv(env) : undefined;
  const slurm = allocation !== undefined;
  if (allocation !== undefined) listed = allocation.hosts;
  const agent = options.launchAgent ?? env.TSMPI_LAUNCH_AGENT;
  const launch =
    agent !== undefined && agent.trim() !== ''
      ? splitCommand(agent, options.launchAgent !== undefined ? '--launch-agent' : 'TSMPI_LAUNCH_AGENT')
      : [slurm ? 'srun' : 'ssh'];
  if (listed === undefined) return { hosts: undefined, launch, slurm };
  return { hosts: mergeLocal(listed), launch, slurm };
}

function mergeLocal(hosts: readonly Host[]): JobHost[] {
  const names = localNames();
  const isLocal = (h: Host): boolean => names.has(h.name) || /^127\./.test(h.name);
  const local = hosts.filter(isLocal);
  const merged: JobHost[] = [];
  let placed = false;
  for (const h of hosts) {
    if (!isLocal(h)) merged.push({ ...h, local: false });
    else if (!placed) {
      merged.push({ name: os.hostname(), slots: totalSlots(local), local: true });
      placed = true;
    }
  }
  return merged;
}

/** Names and addresses that mean this machine. */
export function localNames(): Set<string> {
  const names = new Set(['localhost', 'localhost.localdomain', '::1', '[::1]', os.hostname(), os.hostname().split('.')[0]]);
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) names.add(a.address);
  }
  return names;
}

/**
 * An IPv4 address of `host` (a name or an address), to find the local interface that reaches
 * it. Slurm node names need not be in DNS where tsmpirun runs: then the controller's NodeAddr.
 */
export async function hostAddress(host: string, slurm: boolean): Promise<string> {
  try {
    return (await lookup(host, { family: 4 })).address;
  } catch (error) {
    if (slurm) {
      const { stdout } = await promisify(execFile)('scontrol', ['show', 'node', '-o', host]).catch(() => ({ stdout: '' }));
      const address = /\bNodeAddr=(\S+)/.exec(stdout)?.[1];
      if (address !== undefined && address !== host) return hostAddress(address, false);
    }
    throw new LaunchError('ERR_REMOTE_HOST', Texts.unknownHost(host, (error as Error).message), { cause: error, host });
  }
}
