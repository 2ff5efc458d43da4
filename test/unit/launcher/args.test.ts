import { describe, expect, it } from 'vitest';
import { kDefaultLaunchOptions, parseLaunchArgs, type LaunchOptions } from '../../../src/launcher/args.js';
import { LaunchError, UsageError } from '../../../src/launcher/errors.js';

function options(argv: string[]): LaunchOptions {
  const parsed = parseLaunchArgs([...argv, 'prog.ts']);
  if (parsed instanceof UsageError || parsed.action !== 'run') throw new Error(`expected a run, got ${JSON.stringify(parsed)}`);
  return parsed.options;
}

function usageError(argv: string[]): string {
  const parsed = parseLaunchArgs(argv);
  if (!(parsed instanceof UsageError)) throw new Error(`expected a UsageError, got ${JSON.stringify(parsed)}`);
  expect(parsed).toBeInstanceOf(LaunchError);
  expect(parsed.code).toBe('ERR_USAGE');
  return parsed.message;
}

describe('parseLaunchArgs', () => {
  it('gives the defaults for a bare program', () => {
    expect(parseLaunchArgs(['prog.ts'])).toEqual({ action: 'run', options: { ...kDefaultLaunchOptions, exports: [] }, program: 'prog.ts', programArgs: [] });
    expect(kDefaultLaunchOptions).toEqual({ oversubscribe: false, exports: [], tagOutput: false, mapBy: 'slot', stats: false });
  });

  it('splits at the program: everything after it belongs to the program', () => {
    expect(parseLaunchArgs(['-n', '2', 'prog.ts', '-n', '5', '--bogus', '--help'])).toMatchObject({
      action: 'run',
      options: { np: 2 },
      program: 'prog.ts',
      programArgs: ['-n', '5', '--bogus', '--help'],
    });
    expect(parseLaunchArgs(['--tag-output', '--', '-weird-name.ts', 'a'])).toMatchObject({
      program: '-weird-name.ts',
      programArgs: ['a'],
      options: { tagOutput: true },
    });
  });

  it.each([
    [['-n', '4'], { np: 4 }],
    [['-n4'], { np: 4 }],
    [['--np', '4'], { np: 4 }],
    [['--np=4'], { np: 4 }],
    [['-np', '4'], { np: 4 }],
    [['-n', '2', '-n', '3'], { np: 3 }],
    [['--hostfile', 'hosts.txt'], { hostfile: 'hosts.txt' }],
    [
      ['--host', 'a:2,b'],
      {
        hosts: [
          { name: 'a', slots: 2 },
          { name: 'b', slots: 1 },
        ],
      },
    ],
    [['--oversubscribe'], { oversubscribe: true }],
    [
      ['-x', 'A=1', '-xB', '-x', 'C=x=y', '-x', 'D='],
      { exports: [{ name: 'A', value: '1' }, { name: 'B' }, { name: 'C', value: 'x=y' }, { name: 'D', value: '' }] },
    ],
    [['--tag-output'], { tagOutput: true }],
    [['--timeout', '10'], { timeout: 10 }],
    [['--timeout=0.5'], { timeout: 0.5 }],
    [['--map-by', 'node'], { mapBy: 'node' }],
    [['--map-by', 'slot'], { mapBy: 'slot' }],
    [['--launch-agent', 'ssh -F ./ssh_config'], { launchAgent: 'ssh -F ./ssh_config' }],
    [['--iface', 'eth0'], { iface: 'eth0' }],
    [['--iface', '10.0.0.7'], { iface: '10.0.0.7' }],
    [['--trace', 'job.json'], { trace: 'job.json' }],
    [['--stats'], { stats: true }],
  ])('%j', (argv, expected) => {
    expect(options(argv)).toEqual({ ...kDefaultLaunchOptions, exports: [], ...expected });
  });

  it('--help and --version win wherever they appear before the program', () => {
    expect(parseLaunchArgs(['--help'])).toEqual({ action: 'help' });
    expect(parseLaunchArgs(['-n', '2', '-h', 'prog.ts'])).toEqual({ action: 'help' });
    expect(parseLaunchArgs(['--version'])).toEqual({ action: 'version' });
    expect(parseLaunchArgs(['prog.ts', '--help'])).toMatchObject({ action: 'run', programArgs: ['--help'] });
  });

  it.each([
    [['-n', 'abc', 'p'], '-n must be a positive integer, got "abc"'],
    [['--np', '0', 'p'], '--np must be a positive integer, got "0"'],
    [['-n', '-3', 'p'], '-n must be a positive integer, got "-3"'],
    [['-n', '2.5', 'p'], '-n must be a positive integer, got "2.5"'],
    [['-n', '2000000', 'p'], '-n must be at most 1048576, got "2000000"'],
    [['-n'], '-n needs a value'],
    [['--hostfile'], '--hostfile needs a value'],
    [['--bogus', 'p'], 'unknown option "--bogus"'],
    [['--bogus=1', 'p'], 'unknown option "--bogus"'],
    [['-q', 'p'], 'unknown option "-q"'],
    [['--x', 'A', 'p'], 'unknown option "--x"'],
    [['--stats=yes', 'p'], '--stats does not take a value, got "--stats=yes"'],
    [['--timeout', '5s', 'p'], '--timeout must be a positive number of seconds, got "5s"'],
    [['--timeout', '0', 'p'], '--timeout must be a positive number of seconds, got "0"'],
    [['--timeout', '9999999', 'p'], '--timeout must be at most 2147483, got "9999999"'],
    [['--map-by', 'core', 'p'], '--map-by must be "slot" or "node", got "core"'],
    [['-x', '1A', 'p'], '-x must be NAME or NAME=VALUE, with NAME made of letters, digits and "_", got "1A"'],
    [['-x', '=v', 'p'], '-x must be NAME or NAME=VALUE, with NAME made of letters, digits and "_", got "=v"'],
    [['--host', 'a:x', 'p'], '--host: slots must be a positive integer, got "x" in "a:x"'],
    [['--host', 'a,,b', 'p'], '--host: empty host name in ""'],
    [['--hostfile', 'h', '--host', 'a', 'p'], '--host and --hostfile cannot be used together'],
    [['--hostfile', ' ', 'p'], '--hostfile must not be empty'],
    [['--launch-agent', '', 'p'], '--launch-agent must not be empty'],
    [['--trace=', 'p'], '--trace must not be empty'],
    [['--iface', 'eth 0', 'p'], '--iface must be an interface name or an IP address, got "eth 0"'],
    [['--iface', '', 'p'], '--iface must not be empty'],
    [['--iface', 'fe80::1', 'p'], '--iface: "fe80::1" is an IPv6 address; only IPv4 is supported for now'],
    [[], 'no program given'],
    [['-n', '2'], 'no program given'],
    [['--', ''], 'no program given'],
  ])('%j is a usage error', (argv, message) => {
    expect(usageError(argv)).toBe(message);
  });
});
