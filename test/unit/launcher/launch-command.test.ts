import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { LineDecoder, encodeLine, type AgentToLauncher } from '../../../src/launcher/agent/protocol.js';
import { UsageError } from '../../../src/launcher/errors.js';
import { planHosts } from '../../../src/launcher/hosts.js';
import { kDefaultLaunchOptions } from '../../../src/launcher/args.js';
import { isSrun, remoteArgv, shellQuote, splitCommand } from '../../../src/launcher/spawn/launch-command.js';

describe('launch agent command', () => {
  it('splits like a POSIX shell, without expansion', () => {
    expect(splitCommand('ssh')).toEqual(['ssh']);
    expect(splitCommand(`ssh -F "my config" -i ~/.ssh/k`)).toEqual(['ssh', '-F', 'my config', '-i', '~/.ssh/k']);
    expect(splitCommand(`  /opt/bin/wrap   'a b'c "d\\"e" f\\ g `)).toEqual(['/opt/bin/wrap', 'a bc', 'd"e', 'f g']);
    expect(splitCommand(`x ''`)).toEqual(['x', '']);
  });

  it('names the option and value for an unclosed quote or an empty command', () => {
    expect(() => splitCommand(`ssh -F "cfg`)).toThrow(UsageError);
    expect(() => splitCommand(`ssh -F "cfg`)).toThrow('--launch-agent "ssh -F "cfg" has a quote that is never closed');
    expect(() => splitCommand('   ', 'TSMPI_LAUNCH_AGENT')).toThrow('TSMPI_LAUNCH_AGENT names no command');
  });

  it('quotes words for the remote shell so they come back unchanged', () => {
    expect(shellQuote('/usr/bin/node')).toBe('/usr/bin/node');
    expect(shellQuote('/a b/c')).toBe(`'/a b/c'`);
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
  });

  it('runs the agent over ssh with no terminal and no password prompt, over srun as a one-task step on the node', () => {
    const agent = ['/usr/bin/node', '/x y/main.js'];
    expect(remoteArgv(['ssh', '-F', 'cfg'], 'h2', agent)).toEqual(['ssh', '-F', 'cfg', '-T', '-o', 'BatchMode=yes', 'h2', `/usr/bin/node '/x y/main.js'`]);
    expect(remoteArgv(['/opt/wrap'], 'h2', agent)).toEqual(['/opt/wrap', 'h2', `/usr/bin/node '/x y/main.js'`]);
    expect(isSrun(['/usr/bin/srun'])).toBe(true);
    expect(remoteArgv(['srun'], 'h3', agent)).toEqual(['srun', '--nodes=1', '--ntasks=1', '--nodelist=h3', '--overlap', '--quiet', ...agent]);
  });
});

describe('agent protocol lines', () => {
  it('decodes whole lines across chunks and passes other output aside', () => {
    const got: AgentToLauncher[] = [];
    const other: string[] = [];
    const d = new LineDecoder<AgentToLauncher>(
      (m) => got.push(m),
      (l) => other.push(l),
    );
    const line = encodeLine({ type: 'exit', rank: 3, code: 7, signal: null });
    d.push(`Welcome to h2\n${line.slice(0, 10)}`);
    d.push(`${line.slice(10)}${encodeLine({ type: 'ping' })}[1,2]\n`);
    expect(got).toEqual([{ type: 'exit', rank: 3, code: 7, signal: null }, { type: 'ping' }]);
    expect(other).toEqual(['Welcome to h2', '[1,2]']);
  });
});

describe('planning hosts', () => {
  const env = {};
  it('no hosts and no allocation: everything here, ssh for nothing', async () => {
    expect(await planHosts({ ...kDefaultLaunchOptions }, '/', env)).toEqual({ hosts: undefined, launch: ['ssh'], slurm: false });
  });

  it("merges the entries naming this machine into one local host at the first one's place", async () => {
    const plan = await planHosts(
      {
        ...kDefaultLaunchOptions,
        hosts: [
          { name: 'far', slots: 2 },
          { name: 'localhost', slots: 1 },
          { name: '127.0.0.1', slots: 2 },
        ],
      },
      '/',
      env,
    );
    expect(plan.hosts).toEqual([
      { name: 'far', slots: 2, local: false },
      { name: os.hostname(), slots: 3, local: true },
    ]);
  });

  it('inside a Slurm allocation: its nodes and task counts, agents started with srun; --launch-agent wins', async () => {
    const slurm = { SLURM_JOB_ID: '12', SLURM_JOB_NODELIST: 'n[1-2]', SLURM_TASKS_PER_NODE: '2(x2)', SLURM_JOB_CPUS_PER_NODE: '4(x2)' };
    const plan = await planHosts({ ...kDefaultLaunchOptions }, '/', slurm);
    expect(plan).toEqual({
      hosts: [
        { name: 'n1', slots: 2, local: false },
        { name: 'n2', slots: 2, local: false },
      ],
      launch: ['srun'],
      slurm: true,
    });
    expect((await planHosts({ ...kDefaultLaunchOptions, launchAgent: 'ssh -q' }, '/', slurm)).launch).toEqual(['ssh', '-q']);
    expect((await planHosts({ ...kDefaultLaunchOptions }, '/', { TSMPI_LAUNCH_AGENT: 'rsh' })).launch).toEqual(['rsh']);
  });
});

describe('silence between launcher and agent', () => {
  it('is 5 ticks in a row without a line; a line resets it; a stall of this process costs one tick', async () => {
    const { SilenceWatch } = await import('../../../src/launcher/agent/protocol.js');
    const w = new SilenceWatch();
    expect(w.tick()).toBe(false); // heard at start
    for (let i = 0; i < 4; i++) expect(w.tick()).toBe(false);
    w.heard();
    expect(w.tick()).toBe(false);
    expect([1, 2, 3, 4, 5].map(() => w.tick())).toEqual([false, false, false, false, true]);
  });
});
