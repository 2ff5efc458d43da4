/**
 * Ranks on another host (Open MPI's plm/ssh and plm/slurm): one agent per host, started with
 * the launch command (`ssh host ...`, or `srun -w host ...` inside a Slurm allocation), speaks
 * ../agent/protocol.ts over the command's stdin and stdout. Each of the host's ranks appears
 * here as a RankProcess like a local one: its output streams, its exit, signals to it.
 *
 * The host is lost when its agent's channel closes before the agent said it was done, when the
 * agent reports it could not start, or when nothing has come from it for its silence limit
 * (kSilenceMs; longer through srun; a host cut off from the network sends no EOF). Then every rank of the host not yet exited "exits"
 * with `lost` set, which the supervisor reports naming the host.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough, Writable } from 'node:stream';
import { encodeLine, kHeartbeatMs, LineDecoder, SilenceWatch, type AgentToLauncher, type LauncherToAgent, type StartMessage } from '../agent/protocol.js';
import type { RankExit, RankProcess } from './local.js';

/**
 * How long the launch command may take to bring the agent up (ssh connecting, srun waiting
 * for a node still cleaning up after the previous step). Heartbeats are watched only after the
 * agent's first line: before it, silence is the launch command's, not the host's.
 */
const kAgentStartMs = 60_000;

/** The end of ssh's or the agent's stderr kept for the message when a host is lost. */
const kStderrTailBytes = 2000;

export interface RemoteHostSpec {
  /** The launch command and the arguments that run `remote` on `start.host`, e.g. ['ssh', '-T', 'h2', "exec '/usr/bin/node' '/x/main.js'"]. */
  argv: readonly string[];
  start: StartMessage;
}

interface RemoteRank extends RankProcess {
  stdout: PassThrough;
  stderr: PassThrough;
  settle(exit: RankExit): void;
}

export class RemoteHost {
  readonly name: string;
  readonly ranks: readonly RankProcess[];
  /** Resolves when the launch command has exited (the agent is gone). */
  readonly closed: Promise<void>;
  readonly #child: ChildProcess;
  readonly #ranks: Map<number, RemoteRank>;
  readonly #silence: SilenceWatch;
  #started = false;
  readonly #since = Date.now();
  #done = false;
  #lost: string | undefined;
  #stderrTail = '';
  readonly #timer: NodeJS.Timeout;

  constructor(spec: RemoteHostSpec) {
    this.name = spec.start.host;
    this.#silence = new SilenceWatch(spec.start.silenceMs);
    this.#ranks = new Map(spec.start.ranks.map(({ rank }) => [rank, this.#rank(rank)]));
    this.ranks = [...this.#ranks.values()];
    // Its own process group: a Ctrl-C at the terminal reaches tsmpirun, which then stops the
    // job in order, not ssh, which would cut the agents off at once.
    this.#child = spawn(spec.argv[0], spec.argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.#child.stdin!.on('error', () => undefined);
    const decoder = new LineDecoder<AgentToLauncher>(
      (m) => this.#onMessage(m),
      (line) => this.#keepStderr(`${line}\n`),
    );
    this.#child.stdout!.on('data', (chunk: Buffer) => {
      this.#silence.heard();
      this.#started = true;
      decoder.push(chunk);
    });
    this.#child.stderr!.on('data', (chunk: Buffer) => this.#keepStderr(chunk.toString()));
    this.closed = new Promise((resolve) => {
      this.#child.once('error', (error) => {
        this.#loseHost(`${spec.argv[0]} could not be started: ${error.message}`);
        resolve();
      });
      this.#child.once('close', (code, signal) => {
        if (!this.#done) this.#loseHost(`its agent ended before the job (${spec.argv[0]} exited with ${signal ?? `status ${code}`})${this.#tail()}`);
        clearInterval(this.#timer);
        resolve();
      });
    });
    this.#timer = setInterval(() => {
      this.#send({ type: 'ping' });
      if (this.#done) return;
      if (!this.#started) {
        if (Date.now() - this.#since < kAgentStartMs) return;
        this.#loseHost(`its agent did not start within ${kAgentStartMs / 1000} s (${spec.argv[0]} is still trying)${this.#tail()}`);
        this.#child.kill('SIGKILL');
      } else if (this.#silence.tick()) {
        this.#loseHost(`no word from its agent for ${this.#silence.silenceMs / 1000} s (the host is unreachable or stalled)`);
        this.#child.kill('SIGKILL');
      }
    }, kHeartbeatMs);
    this.#send(spec.start);
  }

  /** The job is over: the agent stops whatever is left and leaves. */
  finish(): void {
    this.#send({ type: 'finish' });
  }

  /** Kills the launch command itself (the agent then sees EOF and kills its ranks). */
  kill(): void {
    clearInterval(this.#timer);
    this.#child.kill('SIGKILL');
  }

  #send(m: LauncherToAgent): void {
    if (this.#child.stdin?.writable) this.#child.stdin.write(encodeLine(m));
  }

  #rank(rank: number): RemoteRank {
    let settle!: (exit: RankExit) => void;
    const exited = new Promise<RankExit>((resolve) => (settle = resolve));
    let alive = true;
    const send = (m: LauncherToAgent): void => this.#send(m);
    const stdin =
      rank === 0
        ? new Writable({
            write(chunk: Buffer, _encoding, callback) {
              send({ type: 'stdin', data: chunk.toString('base64') });
              callback();
            },
            final(callback) {
              send({ type: 'stdinEnd' });
              callback();
            },
          })
        : null;
    return {
      rank,
      pid: undefined,
      host: this.name,
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      stdin,
      exited,
      signal: (signal) => {
        if (alive) send({ type: 'signal', ranks: [rank], signal });
      },
      lingering: () => false,
      settle: (exit) => {
        if (!alive) return;
        alive = false;
        settle(exit);
      },
    };
  }

  #onMessage(m: AgentToLauncher): void {
    switch (m.type) {
      case 'started':
        for (const { rank, pid } of m.ranks) {
          const r = this.#ranks.get(rank);
          if (r !== undefined) (r as { pid: number | undefined }).pid = pid;
        }
        return;
      case 'output': {
        const r = this.#ranks.get(m.rank);
        (m.fd === 1 ? r?.stdout : r?.stderr)?.write(Buffer.from(m.data, 'base64'));
        return;
      }
      case 'eof': {
        const r = this.#ranks.get(m.rank);
        (m.fd === 1 ? r?.stdout : r?.stderr)?.end();
        return;
      }
      case 'exit':
        this.#ranks.get(m.rank)?.settle({ code: m.code, signal: m.signal, ...(m.error === undefined ? {} : { error: new Error(m.error) }) });
        return;
      case 'failed':
        this.#loseHost(`its agent could not start the ranks: ${m.message}`);
        return;
      case 'done':
        this.#done = true;
        return;
      case 'ping':
        return;
    }
  }

  #loseHost(reason: string): void {
    if (this.#lost !== undefined) return;
    this.#lost = reason;
    for (const r of this.#ranks.values()) {
      r.settle({ code: null, signal: null, lost: reason });
      r.stdout.end();
      r.stderr.end();
    }
  }

  #keepStderr(text: string): void {
    this.#stderrTail = (this.#stderrTail + text).slice(-kStderrTailBytes);
  }

  #tail(): string {
    const tail = this.#stderrTail.trim();
    return tail === '' ? '' : `: ${tail.split('\n').slice(-3).join(' / ')}`;
  }
}
