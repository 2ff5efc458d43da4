/**
 * Runs the real, built launcher (`node dist/launcher/cli.js ...`) and captures how it ended.
 * Every run gets its own process and its own temporary directory, so tests run in parallel.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { testDirPrefix } from './run-tag.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The built CLI; e2e tests need `npm run build` first (`npm test` does it). */
export const kCli = path.join(root, 'dist/launcher/cli.js');

/** Absolute path of a fixture program. */
export const fixture = (name: string): string => path.join(root, 'test/fixtures', name);

export interface MpiResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the launcher's stdin, which is then closed (closed at once when absent). */
  input?: string | Buffer;
  /** Added to the launcher's environment. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** The launcher is SIGKILLed after this long, failing the test rather than hanging it. */
  killAfterMs?: number;
  /** Leave the launcher's stdout unread for this long at first (a slow reader: backpressure). */
  stdoutPauseMs?: number;
}

/** A running launcher: its process, live output so far, and its final result. */
export interface MpiRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout contains `count` lines that include `text`. */
  waitForStdout(text: string, count?: number): Promise<void>;
  result: Promise<MpiResult>;
}

/** Starts `tsmpirun ...args`. */
export function startMpi(args: readonly string[], options: RunOptions = {}): MpiRun {
  if (!existsSync(kCli)) throw new Error(`${kCli} is missing: run "npm run build" first`);
  const child = spawn(process.execPath, [kCli, ...args], {
    cwd: options.cwd ?? root,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers: Array<() => void> = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    for (const w of watchers) w();
  });
  if (options.stdoutPauseMs !== undefined) {
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), options.stdoutPauseMs);
  }
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.input);
  const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 45_000);
  const result = new Promise<MpiResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  const waitForStdout = (text: string, count = 1): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (stdout.split('\n').filter((l) => l.includes(text)).length >= count) resolve();
      };
      watchers.push(check);
      check();
      void result.then(() => reject(new Error(`launcher ended before printing ${count} × "${text}":\n${stdout}\n${stderr}`)));
    });
  return { child, stdout: () => stdout, stderr: () => stderr, waitForStdout, result };
}

/** Runs `tsmpirun ...args` to completion. */
export function runMpi(args: readonly string[], options: RunOptions = {}): Promise<MpiResult> {
  return startMpi(args, options).result;
}

/** A launcher running on a terminal: what the terminal shows so far, and how it ended. */
export interface TerminalRun {
  output(): string;
  closed: Promise<number | null>;
}

/**
 * Starts `tsmpirun ...args` under `script`, which gives it a pseudo-terminal (100 columns) as
 * stdin, stdout and stderr; both output streams arrive mixed, as on a screen.
 */
export function startOnTerminal(args: readonly string[], killAfterMs = 40_000): TerminalRun {
  const command = [process.execPath, kCli, ...args].map((a) => `'${a}'`).join(' ');
  const child = spawn('script', ['-qfec', `stty cols 100; ${command}`, '/dev/null'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    output += d;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const closed = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve(code);
    }),
  );
  return { output: () => output, closed };
}

/**
 * A fresh private directory for one test (pid files, hostfiles), removed when the test has
 * finished, passed or not. A concurrent test passes its own context's onTestFinished.
 */
export async function tempDir(onFinished: typeof onTestFinished = onTestFinished): Promise<string> {
  const dir = await fs.mkdtemp(testDirPrefix('test'));
  onFinished(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Whether `pid` is a live process; a zombie (dead, not yet reaped by init) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return !existsSync('/proc/self'); // no /proc: trust kill(pid, 0)
  }
}

/** Every pid written by the fixtures into `dir` (`<name>.pid` files). */
export function pidsIn(dir: string): Map<string, number> {
  const pids = new Map<string, number>();
  for (const file of readdirSync(dir)) {
    if (file.endsWith('.pid')) pids.set(file.slice(0, -4), Number(readFileSync(path.join(dir, file), 'utf8')));
  }
  return pids;
}

/**
 * The job directories (ipc sockets, shared-memory segments, key file) that ranks recorded in
 * `dir` and that still exist after up to `withinMs`: none may outlive the job.
 */
export async function leftoverJobDirs(dir: string, withinMs = 3000): Promise<string[]> {
  const dirs = [
    ...new Set(
      readdirSync(dir)
        .filter((f) => f.endsWith('.jobdir'))
        .map((f) => readFileSync(path.join(dir, f), 'utf8')),
    ),
  ];
  const deadline = Date.now() + withinMs;
  for (;;) {
    const left = dirs.filter((d) => existsSync(d));
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The names of the processes in `dir`'s pid files that are still alive. SIGKILLed processes
 * die asynchronously, so this polls briefly (no speed is asserted, only the end state).
 */
export async function survivors(dir: string, withinMs = 3000): Promise<string[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const alive = [...pidsIn(dir)].filter(([, pid]) => isAlive(pid)).map(([name, pid]) => `${name} (pid ${pid})`);
    if (alive.length === 0 || Date.now() > deadline) return alive;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The transports every data-path feature is tested on: `auto` (shared memory between ranks of
 * one host when the native part is built) and `zmq` (ZeroMQ for every pair).
 */
export const kTransports = ['auto', 'zmq'] as const;
export type TransportName = (typeof kTransports)[number];

/** `tsmpirun` arguments that give every rank `TSMPI_TRANSPORT=transport`. */
export const onTransport = (transport: TransportName): string[] => ['-x', `TSMPI_TRANSPORT=${transport}`];
