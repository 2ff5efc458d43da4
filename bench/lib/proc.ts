// Running the benchmark's child processes (each in its own process group, so a timeout kills
// the whole job), and the run's log of notes and failures that the report prints.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

export function run(cmd: string, args: string[], env: Record<string, string> = {}, timeoutS = 120): Promise<RunResult> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '',
      stderr = '',
      timedOut = false;
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, timeoutS * 1000);
    child.on('error', (e) => {
      stderr += String(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Number(process.hrtime.bigint() - t0) / 1e6, timedOut });
    });
  });
}

/** The JSON records a program printed on lines starting with `prefix` ("BENCH " or "BENCHREF "). */
export function records(r: RunResult, prefix: string): any[] {
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .map((l) => JSON.parse(l.slice(prefix.length)));
}

export const log = { failures: [] as { what: string; why: string }[], notes: [] as string[] };

export function note(text: string): void {
  if (!log.notes.includes(text)) log.notes.push(text);
}

/** Records a failed child and returns null, so callers can `return failed(...)`. */
export function failed(what: string, r: RunResult | string): null {
  const why =
    typeof r === 'string'
      ? r
      : r.timedOut
        ? 'timed out'
        : `exit ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ') || r.stdout.trim().slice(-300)}`;
  log.failures.push({ what, why });
  console.error(`  FAILED ${what}: ${why}`);
  return null;
}
