/**
 * What ranks find in their environment besides the launcher contract (comm/bootstrap/env.ts):
 * the launcher's own environment, -x exports and TSMPI_* options, here and on other hosts.
 */
import type { Writable } from 'node:stream';
import { kDiagEnv, kEnv } from '../comm/bootstrap/env.js';
import { bindFromEnv, receiveBufferFromEnv, spinFromEnv, transportFromEnv } from '../comm/options.js';
import type { LaunchOptions } from './args.js';
import { LaunchError } from './errors.js';

/** Rank options read from the environment, checked once here instead of failing in every rank. */
export function checkRankOptions(env: NodeJS.ProcessEnv): void {
  try {
    receiveBufferFromEnv(env);
    transportFromEnv(env);
    spinFromEnv(env, 1, 1);
    bindFromEnv(env);
  } catch (error) {
    throw new LaunchError('ERR_USAGE', (error as Error).message, { cause: error });
  }
}

/**
 * The width of `stream` when it is a terminal. Ranks' stderr is a pipe to the launcher, so
 * they learn from TSMPI_STDERR_COLUMNS that what they draw there reaches a terminal (a
 * progress bar), and the launcher passes their redrawn lines on as they change.
 */
export function terminalColumns(stream: Writable): number | undefined {
  const tty = stream as Partial<NodeJS.WriteStream>;
  return tty.isTTY === true ? (tty.columns ?? 80) : undefined;
}

/**
 * The launcher's environment plus `-x` exports (a bare `-x NAME` exports the launcher's value).
 * With --timeout the user asked for a hang report, so ranks record call sites (a cost on every
 * call, off otherwise) unless TSMPI_CALL_SITES was set explicitly.
 */
export function rankEnvironment(options: LaunchOptions, env: NodeJS.ProcessEnv, stderrColumns: number | undefined): NodeJS.ProcessEnv {
  const result = { ...env };
  // Set by this launcher alone: a value inherited from a surrounding job or shell would lie.
  for (const name of [kEnv.stderrColumns, ...Object.values(kDiagEnv)]) delete result[name];
  if (stderrColumns !== undefined) result[kEnv.stderrColumns] = String(stderrColumns);
  if (options.timeout !== undefined && result.TSMPI_CALL_SITES === undefined) result.TSMPI_CALL_SITES = 'on';
  for (const { name, value } of options.exports) {
    const exported = value ?? env[name];
    if (exported !== undefined) result[name] = exported;
  }
  return result;
}

/**
 * What ranks on other hosts get on top of their agent's environment: -x exports (as mpirun
 * forwards only those) and the TSMPI_* options of this one, so every rank runs the same way.
 */
export function remoteEnvironment(options: LaunchOptions, rankEnv: NodeJS.ProcessEnv): Record<string, string> {
  const contract = new Set<string>(Object.values(kEnv));
  const exported = new Set(options.exports.map((e) => e.name));
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(rankEnv)) {
    if (value !== undefined && (exported.has(name) || (name.startsWith('TSMPI_') && !contract.has(name)))) result[name] = value;
  }
  return result;
}
