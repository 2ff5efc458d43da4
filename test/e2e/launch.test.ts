/**
 * tsmpirun end to end: the env contract, -x, program arguments, .mjs/.ts programs, the control
 * handshake, concurrent jobs, and command-line errors (exit 2, nothing started).
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, pidsIn, runMpi, survivors, tempDir } from '../helpers/run-mpi.js';

interface EnvLine {
  rank: number;
  size: number;
  localRank: number;
  localSize: number;
  jobDir: string;
  argv: string[];
  vars: Record<string, string | null>;
}

const parseLines = <T>(stdout: string): T[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T)
    .sort((a, b) => (a as { rank: number }).rank - (b as { rank: number }).rank);

async function scratch(): Promise<string> {
  return tempDir();
}

describe('tsmpirun runs N ranks', () => {
  it.each([1, 2, 3, 4])('-n %i: every rank sees the env contract', async (n) => {
    const run = await runMpi(['-n', String(n), fixture('echo-env.ts')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = parseLines<EnvLine>(run.stdout);
    expect(lines.map((l) => [l.rank, l.size, l.localRank, l.localSize])).toEqual(Array.from({ length: n }, (_, r) => [r, n, r, n]));
    // The job directory is private to the job and gone after it.
    expect(new Set(lines.map((l) => l.jobDir)).size).toBe(1);
    expect(existsSync(lines[0].jobDir)).toBe(false);
  });

  it('exports -x variables: NAME=VALUE, a bare NAME from the launcher, values with "="', async () => {
    const run = await runMpi(
      [
        '-n',
        '2',
        '-x',
        'GIVEN=value',
        '-x',
        'FROM_LAUNCHER',
        '-x',
        'WITH_EQ=a=b',
        '-x',
        'NOT_SET_ANYWHERE',
        fixture('echo-env.ts'),
        'GIVEN',
        'FROM_LAUNCHER',
        'WITH_EQ',
        'NOT_SET_ANYWHERE',
      ],
      { env: { FROM_LAUNCHER: 'launcher value', NOT_SET_ANYWHERE: undefined } },
    );
    expect(run.code).toBe(0);
    for (const line of parseLines<EnvLine>(run.stdout)) {
      expect(line.vars).toEqual({ GIVEN: 'value', FROM_LAUNCHER: 'launcher value', WITH_EQ: 'a=b', NOT_SET_ANYWHERE: null });
    }
  });

  it('passes everything after the program to the program, launcher-looking options included', async () => {
    const run = await runMpi(['-n', '2', fixture('echo-env.ts'), '-n', '5', '--tag-output', '--', 'x']);
    expect(run.code).toBe(0);
    for (const line of parseLines<EnvLine>(run.stdout)) expect(line.argv).toEqual(['-n', '5', '--tag-output', '--', 'x']);
  });

  it('runs a plain .mjs program that never imports tsmpi, with a normal process.argv', async () => {
    const run = await runMpi(['-n', '2', fixture('plain-program.mjs'), 'a', 'b']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n').sort()).toEqual([0, 1].map((r) => `mjs rank ${r} of 2 argv ["a","b"] main ${fixture('plain-program.mjs')}`));
  });

  it('uses the slots of --host and of a hostfile naming this machine as the default -n', async () => {
    const dir = await scratch();
    const hostfile = path.join(dir, 'hosts');
    await fs.writeFile(hostfile, `# this machine\nlocalhost slots=2\n${os.hostname()} slots=1 # same machine\n`);
    const fromFile = await runMpi(['--hostfile', hostfile, fixture('echo-env.ts')]);
    expect(fromFile.code).toBe(0);
    expect(parseLines<EnvLine>(fromFile.stdout).map((l) => l.size)).toEqual([3, 3, 3]);
    const fromList = await runMpi(['--host', '127.0.0.1:2', fixture('echo-env.ts')]);
    expect(parseLines<EnvLine>(fromList.stdout).map((l) => l.size)).toEqual([2, 2]);
  });

  it('runs more ranks than slots with --oversubscribe', async () => {
    const run = await runMpi(['--host', 'localhost:1', '--oversubscribe', '-n', '3', fixture('echo-env.ts')]);
    expect(run.code).toBe(0);
    expect(parseLines<EnvLine>(run.stdout)).toHaveLength(3);
  });

  it('runs two jobs at once without mixing them', async () => {
    const [a, b] = await Promise.all(['a', 'b'].map((job) => runMpi(['-n', '3', '-x', `JOB=${job}`, fixture('echo-env.ts'), 'JOB'])));
    for (const [run, job] of [
      [a, 'a'],
      [b, 'b'],
    ] as const) {
      expect(run.code).toBe(0);
      const lines = parseLines<EnvLine>(run.stdout);
      expect(lines.map((l) => [l.rank, l.vars.JOB])).toEqual([
        [0, job],
        [1, job],
        [2, job],
      ]);
    }
    expect(parseLines<EnvLine>(a.stdout)[0].jobDir).not.toBe(parseLines<EnvLine>(b.stdout)[0].jobDir);
  });
});

describe('control plane', () => {
  it('gives every rank the directory of endpoints once all have said hello', async () => {
    const dir = await scratch();
    const run = await runMpi(['-n', '3', '-x', `PID_DIR=${dir}`, fixture('handshake.ts')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const expected = [0, 1, 2].map((r) => `ipc:///nowhere/${r}`);
    expect(parseLines<{ rank: number; endpoints: string[] }>(run.stdout)).toEqual([0, 1, 2].map((rank) => ({ rank, endpoints: expected })));
    // Each rank left a grandchild running when it finished; the launcher cleaned them up.
    expect([...pidsIn(dir).keys()].filter((name) => name.startsWith('grandchild'))).toHaveLength(3);
    expect(await survivors(dir)).toEqual([]);
  });

  it('fails a job whose rank exits before joining while the others wait for it', async () => {
    const dir = await scratch();
    const run = await runMpi(['-n', '3', '-x', `PID_DIR=${dir}`, fixture('handshake.ts'), 'skip', '1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^tsmpirun: rank 1 \(pid \d+\) exited before joining the job, so the ranks that joined cannot go on\ntsmpirun: stopped the other 2 ranks\n$/,
    );
    expect(await survivors(dir)).toEqual([]);
  });
});

describe('command-line errors exit 2 before anything starts', () => {
  const hint = "Run 'tsmpirun --help' for usage.\n";
  it.each([
    [['-n', 'abc', 'x.ts'], 'tsmpirun: -n must be a positive integer, got "abc"\n' + hint],
    [['--np', '0', 'x.ts'], 'tsmpirun: --np must be a positive integer, got "0"\n' + hint],
    [['--bogus', 'x.ts'], 'tsmpirun: unknown option "--bogus"\n' + hint],
    [['--timeout', 'soon', 'x.ts'], 'tsmpirun: --timeout must be a positive number of seconds, got "soon"\n' + hint],
    [['--map-by', 'core', 'x.ts'], 'tsmpirun: --map-by must be "slot" or "node", got "core"\n' + hint],
    [['-n', '2'], 'tsmpirun: no program given\n' + hint],
    [['-n', '2', 'missing-program.ts'], 'tsmpirun: cannot read program "missing-program.ts": no such file\n'],
    [
      ['--host', 'node-far-away.invalid:2', fixture('exit-code.ts')],
      'tsmpirun: cannot find host "node-far-away.invalid" (getaddrinfo ENOTFOUND node-far-away.invalid)\n',
    ],
    [['--host', 'localhost:2', '-n', '3', 'x.ts'], 'tsmpirun: 3 ranks requested but the hosts provide only 2 slots; use --oversubscribe to allow more\n'],
    [['--hostfile', 'no-such-hostfile', 'x.ts'], 'tsmpirun: cannot read hostfile "no-such-hostfile": no such file\n'],
  ])('%j', async (args, message) => {
    const run = await runMpi(args);
    expect(run.stderr).toBe(message);
    expect(run.stdout).toBe('');
    expect(run.code).toBe(2);
  });

  it('reports a hostfile syntax error with its file and line', async () => {
    const dir = await scratch();
    await fs.writeFile(path.join(dir, 'hosts'), 'localhost slots=2\n\nlocalhost slots=many\n');
    const run = await runMpi(['--hostfile', 'hosts', fixture('echo-env.ts')], { cwd: dir });
    expect(run.stderr).toBe('tsmpirun: hosts:3: slots must be a positive integer, got "many"\n');
    expect(run.code).toBe(2);
  });

  it('--help and --version exit 0', async () => {
    const help = await runMpi(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tsmpirun \[options\] <program> \[args\.\.\.\]/);
    expect(help.stdout).toContain('124     the job timed out (--timeout)');
    const pkg = JSON.parse(await fs.readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const version = await runMpi(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `tsmpirun (tsmpi) ${pkg.version}\n` });
  });
});
