/**
 * The per-host agent (Open MPI's orted): `node agent/main.js`, started by tsmpirun on each
 * remote host through the launch command (ssh, or srun inside a Slurm allocation). It owns its
 * host's ranks: it starts them, forwards their output and exit statuses, signals them when
 * told, and kills them when the launcher is gone: its stdin ends (ssh closed) or falls silent
 * (the host was cut off from the network). Protocol: ./protocol.ts.
 */
import path from 'node:path';
import { kKeyFileName, writeKeyFile } from '../../comm/bootstrap/keys.js';
import { makeJobDir, removeJobDir } from '../job-dir.js';
import { addressToward, resolveIface } from '../net/address.js';
import { spawnLocalRank, type LocalRankProcess } from '../spawn/local.js';
import { removeStaleJobDirs } from '../stale-jobs.js';
import { kWaitsSignal } from '../hang-report.js';
import { killAndReap, kKillGraceMs } from '../supervise.js';
import { encodeLine, kHeartbeatMs, LineDecoder, SilenceWatch, type AgentToLauncher, type LauncherToAgent, type StartMessage } from './protocol.js';

function send(m: AgentToLauncher): void {
  process.stdout.write(encodeLine(m));
}

let ranks: LocalRankProcess[] = [];
let jobDir: string | undefined;
/** Removal of what killed jobs left on this host (stale-jobs.ts), started with the ranks. */
let sweep: Promise<unknown> = Promise.resolve();
let silence = new SilenceWatch();
let leaving = false;
/**
 * stdin for rank 0 that came before start() spawned the ranks (start awaits the address and
 * the job directory first, while the launcher may already have sent all of its stdin); null
 * once the ranks run.
 */
let earlyStdin: Array<Buffer | null> | null = [];

/** Passes stdin data (null: its end) to rank 0, or keeps it until rank 0 exists. */
function toRank0(data: Buffer | null): void {
  if (earlyStdin !== null) {
    earlyStdin.push(data);
    return;
  }
  const sink = ranks.find((r) => r.rank === 0)?.stdin;
  if (data === null) sink?.end();
  else sink?.write(data);
}

/** SIGKILL to every rank's group, synchronously (also from 'exit'). */
function killAll(): void {
  for (const r of ranks) r.signal('SIGKILL');
}

/**
 * Waits until everything written to stdout (the channel to the launcher) has been handed to the
 * OS, at most `withinMs` (the launcher may be gone). process.exit() drops what is still queued:
 * the end of the ranks' output, their exits and "done", which made the launcher take a host
 * whose ranks printed a lot just before the end for lost ("its agent ended before the job").
 */
function flushStdout(withinMs: number): Promise<void> {
  if (process.stdout.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, withinMs);
    process.stdout.write('', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The launcher is gone or said the job is over: nothing of the job may stay on this host. */
async function leave(code: number): Promise<void> {
  if (leaving) return;
  leaving = true;
  // The supervisor's stop, without its SIGTERM: the launcher already decided the ranks' fate.
  await killAndReap(ranks);
  await Promise.all([jobDir === undefined ? undefined : removeJobDir(jobDir), sweep]);
  await flushStdout(code === 0 ? 10_000 : kKillGraceMs);
  process.exit(code);
}

async function start(m: StartMessage): Promise<void> {
  const address = m.iface !== undefined ? resolveIface(m.iface) : await addressToward(m.launcherAddress);
  const dir = await makeJobDir();
  // The launcher may have gone (EOF, finish) while this awaited: then nothing may start here.
  if (leaving) {
    await removeJobDir(dir);
    return;
  }
  jobDir = dir;
  const keys = path.join(jobDir, kKeyFileName);
  writeKeyFile(keys, m.keys);
  const spec = {
    program: m.program,
    programArgs: m.programArgs,
    cwd: m.cwd,
    env: { ...process.env, ...m.env, TSMPI_ADDRESS: address, TSMPI_NODE: m.host },
    job: { ...m.job, jobDir, keys },
  };
  ranks = m.ranks.map((at) => spawnLocalRank(spec, at));
  const early = earlyStdin ?? [];
  earlyStdin = null;
  for (const data of early) toRank0(data);
  send({ type: 'started', ranks: ranks.map((r) => ({ rank: r.rank, pid: r.pid })), address });
  sweep = removeStaleJobDirs();
  const outputs = ranks.flatMap((r) => [forward(r, 1), forward(r, 2)]);
  const exits = ranks.map((r) => r.exited.then((e) => send({ type: 'exit', rank: r.rank, code: e.code, signal: e.signal, error: e.error?.message })));
  await Promise.all([...exits, ...outputs]);
  // What a rank started in its process group must not outlive it either.
  killAll();
  send({ type: 'done' });
  await leave(0);
}

function forward(r: LocalRankProcess, fd: 1 | 2): Promise<void> {
  const stream = fd === 1 ? r.stdout : r.stderr;
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer) => send({ type: 'output', rank: r.rank, fd, data: chunk.toString('base64') }));
    stream.once('close', () => {
      send({ type: 'eof', rank: r.rank, fd });
      resolve();
    });
  });
}

function onMessage(m: LauncherToAgent): void {
  silence.heard();
  switch (m.type) {
    case 'start':
      if (Number.isFinite(m.silenceMs) && m.silenceMs > 0) silence = new SilenceWatch(m.silenceMs);
      start(m).catch((error: unknown) => {
        send({ type: 'failed', message: (error as Error).message });
        void leave(1);
      });
      return;
    case 'signal':
      for (const r of ranks) {
        if (m.ranks !== 'all' && !m.ranks.includes(r.rank)) continue;
        // The hang report's question is for the rank alone: its default action would kill
        // whatever else the rank started.
        if (m.signal === kWaitsSignal) r.child.kill(m.signal);
        else r.signal(m.signal);
      }
      return;
    case 'stdin':
      toRank0(Buffer.from(m.data, 'base64'));
      return;
    case 'stdinEnd':
      toRank0(null);
      return;
    case 'finish':
      void leave(0);
      return;
    case 'ping':
      return;
  }
}

const decoder = new LineDecoder<LauncherToAgent>(onMessage);
process.stdin.on('data', (chunk: Buffer) => decoder.push(chunk));
// The launcher's end of the channel closed: tsmpirun died, or ssh did.
process.stdin.once('end', () => void leave(1));
process.stdout.on('error', () => void leave(1));
process.on('exit', killAll);
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, () => void leave(1));
setInterval(() => {
  send({ type: 'ping' });
  if (silence.tick()) void leave(1);
}, kHeartbeatMs);
