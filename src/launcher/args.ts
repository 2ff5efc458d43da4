/**
 * The command line, pure: `tsmpirun [options] <program> [args...]`. Everything from the first
 * positional on belongs to the program, so argv is split there first (util.parseArgs would
 * otherwise read the program's own `-n 5` as ours); the launcher's part is then parsed by
 * util.parseArgs in strict mode and every value is validated here, at the boundary.
 */
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';
import { Texts } from './help.js';
import { parseHostList, type Host } from './hostfile.js';
import type { MapBy } from './mapping.js';

/** `-x NAME[=VALUE]`: without a value, the launcher's own value of NAME is exported. */
export interface EnvExport {
  name: string;
  value?: string;
}

/** Validated launcher options. Unset optional fields mean "use the default rule". */
export interface LaunchOptions {
  /** `-n`; unset: the hosts' slots, else `os.availableParallelism()`. */
  np?: number;
  hostfile?: string;
  /** `--host`, parsed. */
  hosts?: Host[];
  oversubscribe: boolean;
  exports: EnvExport[];
  tagOutput: boolean;
  /** `--timeout`, in seconds. */
  timeout?: number;
  mapBy: MapBy;
  /** `--launch-agent`; unset: TSMPI_LAUNCH_AGENT, else srun inside a Slurm allocation, else ssh. */
  launchAgent?: string;
  iface?: string;
  trace?: string;
  stats: boolean;
}

/** The options of a bare `tsmpirun prog`. */
export const kDefaultLaunchOptions: Readonly<LaunchOptions> = Object.freeze({
  oversubscribe: false,
  exports: [],
  tagOutput: false,
  mapBy: 'slot',
  stats: false,
});

/** What the command line asks for. */
export type ParsedLaunchArgs =
  { action: 'run'; options: LaunchOptions; program: string; programArgs: string[] } | { action: 'help' } | { action: 'version' } | { action: 'info' };

/** Upper bound of `-n`, the same as the env contract's TSMPI_SIZE. */
export const kMaxRanks = 2 ** 20;
/** Upper bound of `--timeout`: Node timers cannot wait longer (about 24.8 days). */
export const kMaxTimeoutSeconds = Math.floor((2 ** 31 - 1) / 1000);

const kOptions = {
  np: { type: 'string', short: 'n' },
  hostfile: { type: 'string' },
  host: { type: 'string' },
  oversubscribe: { type: 'boolean' },
  x: { type: 'string', multiple: true },
  'tag-output': { type: 'boolean' },
  timeout: { type: 'string' },
  'map-by': { type: 'string' },
  'launch-agent': { type: 'string' },
  iface: { type: 'string' },
  trace: { type: 'string' },
  stats: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  info: { type: 'boolean' },
} as const;
type OptionName = keyof typeof kOptions;

interface Split {
  launcher: string[];
  program?: string;
  programArgs: string[];
}

/** Finds the option a token names: `--name[=v]`, `-c[v]`, or a one-letter key such as `-x`. */
function lookup(token: string): { name: OptionName; raw: string; inline?: string } | undefined {
  if (token.startsWith('--')) {
    const eq = token.indexOf('=');
    const name = token.slice(2, eq < 0 ? undefined : eq);
    if (name.length < 2 || !Object.hasOwn(kOptions, name)) return undefined;
    return { name: name as OptionName, raw: `--${name}`, ...(eq < 0 ? {} : { inline: token.slice(eq + 1) }) };
  }
  const letter = token[1];
  const name = (Object.keys(kOptions) as OptionName[]).find(
    (key) => key === letter || ('short' in kOptions[key] && (kOptions[key] as { short?: string }).short === letter),
  );
  if (name === undefined) return undefined;
  return { name, raw: `-${letter}`, ...(token.length > 2 ? { inline: token.slice(2) } : {}) };
}

/** Splits argv at the program, normalising `-n 4` to `-n4` and `--np 4` to `--np=4`. */
function splitAtProgram(argv: readonly string[]): Split | UsageError {
  const launcher: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    // Open MPI users type -np; util.parseArgs would read it as -n with the value "p".
    const token = argv[i] === '-np' ? '--np' : argv[i];
    if (token === '--') return { launcher, program: argv[i + 1], programArgs: argv.slice(i + 2) };
    if (!token.startsWith('-') || token === '-') return { launcher, program: token, programArgs: argv.slice(i + 1) };
    const option = lookup(token);
    if (option === undefined) return new UsageError(Texts.unknownOption(token.split('=')[0]));
    if (kOptions[option.name].type === 'boolean') {
      if (option.inline !== undefined) return new UsageError(Texts.unexpectedValue(option.raw, token));
      launcher.push(token);
    } else if (option.inline !== undefined) {
      launcher.push(token);
    } else if (i + 1 >= argv.length) {
      return new UsageError(Texts.missingValue(option.raw));
    } else {
      // Joined form, so a value that starts with "-" (say "-n -3") reaches validation.
      const value = argv[++i];
      launcher.push(option.raw.startsWith('--') ? `${option.raw}=${value}` : `${option.raw}${value}`);
    }
  }
  return { launcher, programArgs: [] };
}

/**
 * Parses tsmpirun's argv (without `node cli.js`). Returns a {@link UsageError} for a bad
 * command line, naming the option and the value.
 *
 * ```ts
 * parseLaunchArgs(['-n', '2', 'prog.ts', '-n', '5'])
 * // { action: 'run', options: { ...kDefaultLaunchOptions, np: 2 }, program: 'prog.ts', programArgs: ['-n', '5'] }
 * ```
 */
export function parseLaunchArgs(argv: readonly string[]): ParsedLaunchArgs | UsageError {
  const split = splitAtProgram(argv);
  if (split instanceof UsageError) return split;
  let tokens;
  try {
    ({ tokens } = parseArgs({ args: split.launcher, options: kOptions, strict: true, allowPositionals: false, tokens: true }));
  } catch (error) {
    return new UsageError((error as Error).message, error);
  }
  const given = tokens.flatMap((t) => (t.kind === 'option' ? [t] : []));
  if (given.some((t) => t.name === 'help')) return { action: 'help' };
  if (given.some((t) => t.name === 'version')) return { action: 'version' };
  if (given.some((t) => t.name === 'info')) return { action: 'info' };
  const options: LaunchOptions = { ...kDefaultLaunchOptions, exports: [] };
  for (const { name, rawName, value = '' } of given) {
    const error = applyOption(options, name, rawName, value);
    if (error) return error;
  }
  if (options.hosts !== undefined && options.hostfile !== undefined) return new UsageError(Texts.hostAndHostfile());
  if (split.program === undefined || split.program === '') return new UsageError(Texts.noProgram());
  return { action: 'run', options, program: split.program, programArgs: split.programArgs };
}

/** Validates one option and stores it; the last of a repeated option wins (except -x). */
function applyOption(options: LaunchOptions, name: OptionName, raw: string, value: string): UsageError | undefined {
  switch (name) {
    case 'np':
      if (!/^[0-9]+$/.test(value) || Number(value) < 1) return new UsageError(Texts.positiveInteger(raw, value));
      if (Number(value) > kMaxRanks) return new UsageError(Texts.tooLarge(raw, kMaxRanks, value));
      options.np = Number(value);
      return undefined;
    case 'timeout':
      if (!/^[0-9]*\.?[0-9]+$/.test(value) || !(Number(value) > 0)) return new UsageError(Texts.positiveSeconds(raw, value));
      if (Number(value) > kMaxTimeoutSeconds) return new UsageError(Texts.tooLarge(raw, kMaxTimeoutSeconds, value));
      options.timeout = Number(value);
      return undefined;
    case 'map-by':
      if (value !== 'slot' && value !== 'node') return new UsageError(Texts.mapBy(raw, value));
      options.mapBy = value;
      return undefined;
    case 'x': {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/s.exec(value);
      if (!match) return new UsageError(Texts.envExport(raw, value));
      options.exports.push(match[2] === undefined ? { name: match[1] } : { name: match[1], value: match[2] });
      return undefined;
    }
    case 'host':
      try {
        options.hosts = parseHostList(value, raw);
      } catch (error) {
        return error as UsageError;
      }
      return undefined;
    case 'iface':
      if (value === '') return new UsageError(Texts.notEmpty(raw));
      if (isIP(value) === 0 && !/^[A-Za-z0-9][A-Za-z0-9_.:@-]*$/.test(value)) return new UsageError(Texts.iface(raw, value));
      // Refused here, before anything starts, rather than when the job resolves it.
      if (isIP(value) === 6) return new UsageError(Texts.ifaceIPv6(raw, value));
      options.iface = value;
      return undefined;
    case 'hostfile':
    case 'launch-agent':
    case 'trace':
      if (value.trim() === '') return new UsageError(Texts.notEmpty(raw));
      if (name === 'hostfile') options.hostfile = value;
      else if (name === 'trace') options.trace = value;
      else options.launchAgent = value;
      return undefined;
    case 'oversubscribe':
      options.oversubscribe = true;
      return undefined;
    case 'tag-output':
      options.tagOutput = true;
      return undefined;
    case 'stats':
      options.stats = true;
      return undefined;
    default:
      return undefined;
  }
}
