/**
 * The command line that starts tsmpirun's agent on a remote host: the launch agent (`ssh` by
 * default, `--launch-agent "ssh -F cfg"`, TSMPI_LAUNCH_AGENT, or `srun` inside a Slurm
 * allocation), the host, and the agent's own command. The same absolute paths are assumed on
 * every host (node, this package), as mpirun assumes for its orted.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { Texts } from '../help.js';

/**
 * Splits a launch agent command as a POSIX shell would split words: blanks separate, single
 * quotes keep everything, double quotes and backslashes work as usual. No expansion.
 *
 * ```ts
 * splitCommand(`ssh -F "my config" -i ~/.ssh/k`) // ['ssh', '-F', 'my config', '-i', '~/.ssh/k']
 * ```
 */
export function splitCommand(value: string, option = '--launch-agent'): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < value.length && '"\\$`'.includes(value[i + 1])) word += value[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < value.length) {
      word = (word ?? '') + value[++i];
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote !== undefined) throw new UsageError(Texts.unbalancedQuote(option, value));
  if (word !== undefined) words.push(word);
  if (words.length === 0) throw new UsageError(Texts.emptyLaunchAgent(option));
  return words;
}

/** Quotes a word for a POSIX shell (ssh hands its command to the remote user's shell). */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Whether the launch agent is Slurm's srun (agents become job steps on the node). */
export function isSrun(launch: readonly string[]): boolean {
  return path.basename(launch[0]) === 'srun';
}

/** node and its arguments that run the agent, with tsx when this is a source checkout. */
export function agentCommand(): string[] {
  const ext = path.extname(fileURLToPath(import.meta.url));
  const agent = fileURLToPath(new URL(`../agent/main${ext}`, import.meta.url));
  return [process.execPath, ...(ext === '.ts' ? ['--import', import.meta.resolve('tsx')] : []), agent];
}

/**
 * The argv that runs `command` on `host`:
 * - srun: `srun ... --nodes=1 --ntasks=1 --nodelist=host --overlap --quiet <command>` (a job
 *   step of one task on that node; --overlap so it never waits for CPUs the ranks will use);
 * - anything else is treated as ssh: `<launch> [-T -o BatchMode=yes] host '<quoted command>'`
 *   (no terminal, never a password prompt that would hang the job).
 */
export function remoteArgv(launch: readonly string[], host: string, command: readonly string[]): string[] {
  if (isSrun(launch)) return [...launch, '--nodes=1', '--ntasks=1', `--nodelist=${host}`, '--overlap', '--quiet', ...command];
  const ssh = path.basename(launch[0]) === 'ssh' ? ['-T', '-o', 'BatchMode=yes'] : [];
  return [...launch, ...ssh, host, command.map(shellQuote).join(' ')];
}
