/**
 * What a job holds on this host: the signal forwarding, the job directory, the control plane,
 * the sweep of stale job directories, the ranks under their supervisor and the agents of the
 * other hosts. Each is recorded here as it starts, whatever step the job then reaches: the
 * process 'exit' hook kills and removes all of it when the launcher dies before the job is
 * over, and release() gives back the rest once the ranks are gone (watchJob waits for them; a
 * start that fails kills those it started).
 */
import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { kKeyFileName } from '../comm/bootstrap/keys.js';
import { makeJobDir } from './job-dir.js';
import type { RendezvousServer } from './rendezvous-server.js';
import type { RemoteHost } from './spawn/remote.js';
import { SignalForwarder, type Supervisor } from './supervise.js';

/**
 * One job's hold on this host, given back whatever happens in between:
 *
 * ```ts
 * const job = await JobResources.claim();
 * try {
 *   // start the job, recording what starts in `job`, and watch it
 * } finally {
 *   await job.release();
 * }
 * ```
 */
export class JobResources {
  readonly signals: SignalForwarder;
  /** The job directory (job-dir.ts). */
  readonly dir: string;
  /** The control plane's endpoint for ranks on this host, in the job directory. */
  readonly control: string;
  /**
   * The job secret (comm/bootstrap/keys.ts): fresh keys in a 0600 file of the 0700 job
   * directory; ranks get the file's path, never the keys, in their environment.
   */
  readonly keyFile: string;
  readonly agents: RemoteHost[] = [];
  server: RendezvousServer | undefined;
  supervisor: Supervisor | undefined;
  sweep: Promise<string[]> | undefined;
  readonly #cleanupOnExit = (): void => {
    this.supervisor?.killAll();
    // Their agents see the channel close and kill their hosts' ranks.
    for (const agent of this.agents) agent.kill();
    rmSync(this.dir, { recursive: true, force: true });
  };

  private constructor(signals: SignalForwarder, dir: string) {
    this.signals = signals;
    this.dir = dir;
    this.control = `ipc://${path.join(dir, 'control')}`;
    this.keyFile = path.join(dir, kKeyFileName);
    process.on('exit', this.#cleanupOnExit);
  }

  /**
   * Signals are forwarded from before the job directory exists: one that arrives meanwhile
   * must not end the launcher by Node's default action, which would leave the directory behind.
   */
  static async claim(): Promise<JobResources> {
    const signals = new SignalForwarder();
    const dir = await makeJobDir().catch((error: unknown) => {
      signals.dispose();
      throw error;
    });
    return new JobResources(signals, dir);
  }

  /** Closes the control plane, removes the job directory and restores signal handling. */
  async release(): Promise<void> {
    this.server?.close();
    await Promise.all([fs.rm(this.dir, { recursive: true, force: true }), this.sweep]);
    process.off('exit', this.#cleanupOnExit);
    this.signals.dispose();
  }
}
