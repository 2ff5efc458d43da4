/**
 * Every user-facing text of tsmpirun in one place (Open MPI keeps them in help-*.txt), so the
 * wording stays consistent and tests can assert it literally. Error messages carry no
 * `tsmpirun: ` prefix; {@link diagnostic} adds it when the CLI prints.
 */

import type { JobEnd, JobResult } from './job-end.js';

/** The name every diagnostic line starts with. */
export const kProgramName = 'tsmpirun';

/** The one-line hint printed after a usage error. */
export const kHelpHint = `Run '${kProgramName} --help' for usage.`;

/** The `--help` text. */
export const kHelpText = `Usage: ${kProgramName} [options] <program> [args...]

Runs <program> (.js, .mjs, .cjs, .ts, .mts, .cts, .tsx) as the ranks of one tsmpi job.
Everything after <program> is passed to the program unchanged.

Options:
  -n, --np N              number of ranks (default: the hosts' slots, else the number of CPUs)
      --hostfile FILE     hosts, one per line: "host [slots=K]"; "#" starts a comment
      --host H[:K],...    hosts on the command line, e.g. --host localhost:4 (K defaults to 1)
      --oversubscribe     allow more ranks than the hosts' slots
  -x NAME[=VALUE]         export an environment variable to every rank (repeatable);
                          without =VALUE, ${kProgramName}'s own value is exported
      --tag-output        prefix every output line with "[rank] "
      --timeout S         end the job after S seconds (exit status 124), printing first
                          what every rank is waiting on (see SIGUSR1 below)
      --map-by slot|node  fill each host's slots in order (default), or deal ranks round robin
      --launch-agent CMD  how remote hosts are reached (default: ssh)
      --iface NAME|ADDR   the interface or address ranks advertise to each other
      --trace FILE        write a Chrome Trace Event JSON timeline of the job
      --stats             print per-rank communication statistics when the job ends
  -h, --help              show this help and exit
      --version           show the version and exit
      --info              show the version and the transports this machine has, and exit

Ranks see TSMPI_RANK, TSMPI_SIZE, TSMPI_LOCAL_RANK and TSMPI_LOCAL_SIZE in their environment.
Only rank 0 reads ${kProgramName}'s standard input. Output is forwarded line by line.
Ranks on other hosts (--host, --hostfile, or a Slurm allocation) start through ssh or srun; see
hostfile.example and the README's "Several machines".
Every job has its own CURVE keys: only the launcher and the ranks can connect to its sockets.
TSMPI_ENCRYPTION=off (in ${kProgramName}'s environment) stops encrypting rank-to-rank data, which
is much faster for large messages; use it only for trusted single-host runs (see README).

Exit status:
  0       every rank exited with status 0
  N       the first rank that failed exited with status N
  128+N   the first rank that failed was killed by signal N,
          or ${kProgramName} itself received signal N (SIGINT, SIGTERM, SIGHUP)
  1       the first rank that failed threw an uncaught exception or had an unhandled
          rejection, or left before joining the job, or the job could not be started
  CODE    a rank called abort(CODE)
  124     the job timed out (--timeout)
  2       bad command line, hostfile or program; nothing was run

Hang report: SIGUSR1 to ${kProgramName} (kill -USR1 <pid>) prints, for every rank, the tsmpi
call it is waiting on (operation, communicator, peer or root, tag, for how long, and the line of
the program that called it), ranks waiting on the same thing grouped; the job goes on.
--timeout prints the same report before stopping the job.

When a rank fails, ${kProgramName} stops every other rank (SIGTERM, then SIGKILL) and says which
rank failed and why. No process of the job is left running when ${kProgramName} exits, nor its
job directory; one that a killed job left behind is removed by the next ${kProgramName}.
`;

/** Prefixes each line of `message` that is not already indented, e.g. `tsmpirun: ...`. */
export function diagnostic(message: string): string {
  const [first, ...rest] = message.split('\n');
  return [`${kProgramName}: ${first}`, ...rest].join('\n') + '\n';
}

/** What the CLI prints for a usage error: the message and the hint to --help. */
export function usageText(message: string): string {
  return diagnostic(message) + kHelpHint + '\n';
}

const plural = (n: number, one: string, many: string): string => (n === 1 ? one : many);
/** `rank 3`, `rank 3 (pid 812)`, `rank 3 (pid 812 on h2)`: a rank as failure messages name it. */
export interface Who {
  rank: number;
  pid?: number;
  host?: string;
}
const who = ({ rank, pid, host }: Who): string => {
  const details = [pid === undefined ? '' : `pid ${pid}`, host === undefined ? '' : `on ${host}`].filter(Boolean).join(' ');
  return details === '' ? `rank ${rank}` : `rank ${rank} (${details})`;
};

/** Wording of every error and diagnostic, grouped by where it arises. */
export const Texts = {
  // command line
  unknownOption: (token: string) => `unknown option "${token}"`,
  missingValue: (option: string) => `${option} needs a value`,
  unexpectedValue: (option: string, token: string) => `${option} does not take a value, got "${token}"`,
  noProgram: () => 'no program given',
  positiveInteger: (option: string, value: string) => `${option} must be a positive integer, got "${value}"`,
  tooLarge: (option: string, max: number, value: string) => `${option} must be at most ${max}, got "${value}"`,
  positiveSeconds: (option: string, value: string) => `${option} must be a positive number of seconds, got "${value}"`,
  mapBy: (option: string, value: string) => `${option} must be "slot" or "node", got "${value}"`,
  envExport: (option: string, value: string) => `${option} must be NAME or NAME=VALUE, with NAME made of letters, digits and "_", got "${value}"`,
  notEmpty: (option: string) => `${option} must not be empty`,
  iface: (option: string, value: string) => `${option} must be an interface name or an IP address, got "${value}"`,
  hostAndHostfile: () => '--host and --hostfile cannot be used together',
  hostEntry: (option: string, entry: string, why: string) => `${option}: ${why} in "${entry}"`,

  // hosts and slots
  hostfileLine: (file: string, line: number, why: string) => `${file}:${line}: ${why}`,
  hostfileRead: (file: string, reason: string) => `cannot read hostfile "${file}": ${reason}`,
  hostfileEmpty: (file: string) => `hostfile "${file}" lists no hosts`,
  badHostName: (name: string) => `"${name}" is not a host name`,
  badAttribute: (token: string) => `unknown attribute "${token}" (expected slots=K or max_slots=K)`,
  badSlots: (key: string, value: string) => `${key} must be a positive integer, got "${value}"`,
  tooManyRanks: (n: number, slots: number) =>
    `${n} ranks requested but the hosts provide only ${slots} ${plural(slots, 'slot', 'slots')}; use --oversubscribe to allow more`,
  unknownHost: (host: string, reason: string) => `cannot find host "${host}" (${reason})`,
  unbalancedQuote: (option: string, value: string) => `${option} "${value}" has a quote that is never closed`,
  emptyLaunchAgent: (option: string) => `${option} names no command`,
  encryptionOffRemote: (hosts: readonly string[]) =>
    `TSMPI_ENCRYPTION=off is for single-host runs, but ranks run on ${hosts.join(', ')}: traffic between hosts is always encrypted`,
  hostLost: (host: string, ranks: readonly number[], reason: string) =>
    `lost host ${host} (${ranks.length === 1 ? 'rank' : 'ranks'} ${ranks.join(',')}): ${reason}`,

  // program and start
  programUnreadable: (program: string, reason: string) => `cannot read program "${program}": ${reason}`,
  controlFailed: (endpoint: string, reason: string) => `cannot start the control plane at ${endpoint}: ${reason}`,
  jobDirFailed: (reason: string) => `cannot create the job directory: ${reason}`,
  traceUnwritable: (file: string, reason: string) => `--trace: cannot write "${file}": ${reason}`,
  traceFailed: (file: string, reason: string) => `--trace: writing "${file}" failed: ${reason}`,
  traceSpansNotKept: (rank: number, dropped: number, kept: number) =>
    `trace of rank ${rank} holds its first ${kept} events; ${dropped} later ones were not kept (a rank records at most that many)`,
  tracePartial: (reported: number, size: number, file: string) =>
    `trace of ${reported} of ${size} ranks written to ${file} (the others were stopped before they had reported everything)`,
  badEncryption: (value: string) => `TSMPI_ENCRYPTION must be "on" or "off", got "${value}"`,
  internalError: (detail: string) => `internal error: ${detail}`,

  // Slurm hostlists and environment
  hostlistAt: (expression: string, column: number, why: string) => `hostlist "${expression}", character ${column}: ${why}`,
  hostlistEmpty: (expression: string) => `hostlist "${expression}" names no hosts`,
  hostlistSpace: () => 'white space is not allowed (use "," between hosts)',
  hostlistUnclosed: () => '"[" is never closed',
  hostlistUnopened: () => '"]" without "["',
  hostlistNested: () => '"[" inside "[...]"',
  hostlistEmptyGroup: () => 'empty "[]"',
  hostlistBadRange: (range: string) => `"${range}" is not a number N or a range N-M`,
  hostlistDescending: (range: string) => `range "${range}" goes down`,
  hostlistAfterGroup: (text: string) => `"${text}" after the last "]" (only "," may follow it)`,
  hostlistTooMany: (max: number) => `expands to more than ${max} hosts`,
  hostlistBadName: (name: string) => `cannot write "${name}" in a hostlist (it contains "[", "]", "," or white space)`,
  slurmVariable: (name: string, value: string, why: string) => `${name}="${value}": ${why}`,
  slurmMissing: (name: string) => `${name} is not set`,
  slurmCounts: () => 'expected counts like "4,1(x2)"',
  slurmNonNegative: () => 'expected a non-negative integer',
  slurmPositive: () => 'expected a positive integer',
  slurmLengths: (listName: string, nodes: number, countsName: string, counts: number) =>
    `${listName} names ${nodes} ${plural(nodes, 'node', 'nodes')} but ${countsName} gives counts for ${counts}`,
  slurmOutOf: (name: string, value: number, limit: string) => `${name}=${value} is not below ${limit}`,
  slurmTaskSum: (sizeName: string, size: number, countsName: string, sum: number) => `${sizeName}=${size} but the counts of ${countsName} add up to ${sum}`,

  // network addresses
  ifaceNotFound: (option: string, value: string, available: string) =>
    `${option}: "${value}" is neither an interface nor an address of this host (available: ${available})`,
  ifaceNoIPv4: (option: string, value: string, available: string) => `${option}: interface "${value}" has no IPv4 address (available: ${available})`,
  ifaceIPv6: (option: string, value: string) => `${option}: "${value}" is an IPv6 address; only IPv4 is supported for now`,
  noRouteToward: (destination: string, reason: string) => `cannot find the local address that reaches "${destination}": ${reason}`,

  // how the job ended (first line of the diagnostic)
  exited: (w: Who, code: number) => `${who(w)} exited with code ${code}`,
  killed: (w: Who, signal: string) => `${who(w)} was killed by signal ${signal}`,
  exception: (w: Who, stack: string) => `${who(w)} failed with an uncaught exception:\n${stack}`,
  rejection: (w: Who, stack: string) => `${who(w)} failed with an unhandled rejection:\n${stack}`,
  aborted: (w: Who, code: number) => `${who(w)} called abort(${code})`,
  notJoined: (w: Who) => `${who(w)} exited before joining the job, so the ranks that joined cannot go on`,
  spawnFailed: (rank: number, reason: string) => `rank ${rank} could not be started: ${reason}`,
  timedOut: (seconds: number) => `job timed out after ${seconds} s`,
  interrupted: (signal: string) => `received ${signal}`,
  stoppedOthers: (n: number) => (n === 1 ? 'stopped the other rank' : `stopped the other ${n} ranks`),
  stopped: (n: number) => `stopped ${n} ${plural(n, 'rank', 'ranks')}`,
};

/** A short reason for a file-system error: `no such file`, `permission denied`, ... */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** The first line (and stack) of the diagnostic for a job that did not end well. */
export function describeEnd(end: Exclude<JobEnd, { kind: 'ok' }>): string {
  switch (end.kind) {
    case 'exit':
      return Texts.exited(end, end.exitCode);
    case 'signal':
      return Texts.killed(end, end.signal);
    case 'exception':
      return Texts.exception(end, end.stack);
    case 'rejection':
      return Texts.rejection(end, end.stack);
    case 'abort':
      return Texts.aborted(end, end.code);
    case 'not-joined':
      return Texts.notJoined(end);
    case 'spawn':
      return Texts.spawnFailed(end.rank, end.error.message);
    case 'host-lost':
      return Texts.hostLost(end.host, end.ranks, end.reason);
    case 'timeout':
      return Texts.timedOut(end.seconds);
    case 'interrupted':
      return Texts.interrupted(end.signal);
  }
}

/** Everything tsmpirun prints about a finished job: nothing when every rank succeeded. */
export function reportText(result: JobResult): string {
  const { end, stopped } = result;
  if (end.kind === 'ok') return '';
  let text = diagnostic(describeEnd(end).replace(/\n+$/, ''));
  if (end.kind === 'timeout') text += (end.report ?? []).map(diagnostic).join('');
  if (stopped > 0) text += diagnostic('rank' in end ? Texts.stoppedOthers(stopped) : Texts.stopped(stopped));
  return text;
}
