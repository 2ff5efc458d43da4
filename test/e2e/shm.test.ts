/**
 * The shared-memory transport through the real launcher: chosen for every same-host pair by
 * default and not with TSMPI_TRANSPORT=zmq, `--info`, option checks, a waiting rank's CPU, a
 * rank killed in the middle of writing, and nothing left in /dev/shm or the job directory.
 * (The p2p, collective, flood, soak, window, mismatch and chaos suites run on both transports
 * in their own files.)
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadShmNative } from '../../src/comm/transport/shm-native.js';
import { fixture, onTransport, runMpi, startMpi } from '../helpers/run-mpi.js';

const shm = loadShmNative();
const kRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe.concurrent('shared-memory transport', () => {
  it.runIf(shm.available)('auto: every rank of a one-host job has a segment; zmq: none', async ({ expect }) => {
    const auto = await runMpi(['-n', '4', fixture('transport-files.ts')]);
    expect(auto.stderr).toBe('');
    expect(auto.code).toBe(0);
    for (let r = 0; r < 4; r++) expect(auto.stdout).toContain(`rank ${r} segments shm-0,shm-1,shm-2,shm-3`);
    const zmq = await runMpi([...onTransport('zmq'), '-n', '4', fixture('transport-files.ts')]);
    expect(zmq.code).toBe(0);
    for (let r = 0; r < 4; r++) expect(zmq.stdout).toContain(`rank ${r} segments none`);
  });

  it('--info prints the version and the transports, and why shared memory is missing when it is', async ({ expect }) => {
    const r = await runMpi(['--info']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^tsmpi \d+\.\d+\.\d+ \(Node v\d+/);
    expect(lines[1]).toBe('Transports:');
    expect(lines[2]).toMatch(shm.available ? /^ {2}shared memory {2}available: ranks on one host/ : /^ {2}shared memory {2}unavailable: /);
    expect(lines[3]).toMatch(/^ {2}ZeroMQ {9}available: zeromq\.js /);
    const zmq = await startMpi(['--info'], { env: { TSMPI_TRANSPORT: 'zmq' } }).result;
    expect(zmq.stdout).toContain('TSMPI_TRANSPORT=zmq: every pair of ranks uses ZeroMQ.');
  });

  it('a bad TSMPI_TRANSPORT, TSMPI_SPIN_US or TSMPI_BIND is refused before any rank starts, naming the variable and value', async ({ expect }) => {
    const bad = await startMpi(['-n', '2', fixture('exit-code.ts')], { env: { TSMPI_TRANSPORT: 'carrier-pigeon' } }).result;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('tsmpirun: TSMPI_TRANSPORT must be "auto" or "zmq", got "carrier-pigeon"\n');
    const spin = await startMpi(['-n', '2', fixture('exit-code.ts')], { env: { TSMPI_SPIN_US: '-3' } }).result;
    expect(spin.code).toBe(2);
    expect(spin.stderr).toBe('tsmpirun: TSMPI_SPIN_US must be an integer number of microseconds in [0, 1000000], got "-3"\n');
    const bind = await startMpi(['-n', '2', fixture('exit-code.ts')], { env: { TSMPI_BIND: 'socket' } }).result;
    expect(bind.code).toBe(2);
    expect(bind.stderr).toBe('tsmpirun: TSMPI_BIND must be "core" or "none", got "socket"\n');
  });

  it('without polling (TSMPI_SPIN_US=0, as on a host with more ranks than CPUs) point-to-point works, np=3', async ({ expect }) => {
    const r = await runMpi(['-x', 'TSMPI_SPIN_US=0', '-x', 'PER_PAIR=500', '-n', '3', fixture('p2p.ts')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('p2p ok 3');
    expect(r.code).toBe(0);
  });

  it.runIf(shm.available && os.availableParallelism() >= 2)(
    'ranks that fit the CPUs are bound one to a CPU each; TSMPI_BIND=none leaves them free',
    async ({ expect }) => {
      const bound = await runMpi(['-n', '2', fixture('affinity.ts')]);
      expect(bound.code).toBe(0);
      const cpus = [0, 1].map((r) => /rank \d cpus (\S+)/.exec(bound.stdout.split('\n').find((l) => l.startsWith(`rank ${r} `)) ?? '')?.[1]);
      expect(
        cpus.every((c) => c !== undefined && !c.includes(',') && !c.includes('-')),
        bound.stdout,
      ).toBe(true);
      expect(cpus[0]).not.toBe(cpus[1]);
      const free = await runMpi(['-x', 'TSMPI_BIND=none', '-n', '2', fixture('affinity.ts')]);
      expect(free.code).toBe(0);
      for (const line of free.stdout.trim().split('\n')) expect(line).not.toMatch(/cpus \d+$/);
    },
  );

  it('a rank waiting a second in recv sleeps instead of polling: it uses a small part of that second of CPU', async ({ expect }) => {
    const r = await runMpi(['-x', 'IDLE_MS=1000', '-n', '2', fixture('idle-wait.ts')]);
    expect(r.code).toBe(0);
    const m = /idle-wait waited (\d+) ms using ([\d.]+) ms of CPU/.exec(r.stdout);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(900);
    // Polling all along would use about the whole second.
    expect(Number(m![2])).toBeLessThan(300);
  });

  it('a rank SIGKILLed while streaming a large message: the receiver never gets a torn message, the job ends 137, its directory is gone', async ({
    expect,
  }) => {
    const mpi = startMpi(['-n', '2', fixture('killed-while-writing.ts')]);
    const r = await mpi.result;
    expect(r.code).toBe(137);
    expect(r.stdout).not.toContain('received');
    expect(r.stderr.split('\n')[0]).toMatch(/^tsmpirun: rank 0 \(pid \d+\) was killed by signal SIGKILL/);
  });
});

describe.runIf(shm.available)('nothing of a job is left in /dev/shm', () => {
  it.each(['transport-files.ts', 'killed-while-writing.ts'])('the job directory with its segments and bells is removed: %s', async (program) => {
    const r = await runMpi(['-n', '2', fixture(program)]);
    const dir = /^jobdir (\S+)$/m.exec(r.stdout)?.[1];
    expect(dir, r.stdout + r.stderr).toBeDefined();
    expect(existsSync(dir!)).toBe(false);
  });
});

describe.concurrent('where the native part could not be built', () => {
  it('the install script records why and exits 0; ZeroMQ then carries every pair and --info says why', async ({ expect }) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsmpi-test-native-'));
    try {
      mkdirSync(path.join(dir, 'scripts'));
      mkdirSync(path.join(dir, 'native'));
      copyFileSync(path.join(kRoot, 'scripts/build-native.mjs'), path.join(dir, 'scripts/build-native.mjs'));
      copyFileSync(path.join(kRoot, 'native/shm.cc'), path.join(dir, 'native/shm.cc'));
      const build = spawnSync(process.execPath, [path.join(dir, 'scripts/build-native.mjs')], {
        env: { ...process.env, CXX: 'no-such-compiler' },
        encoding: 'utf8',
      });
      expect(build.status).toBe(0);
      expect(build.stderr).toContain('ranks on one host will talk over ZeroMQ');
      const status = JSON.parse(readFileSync(path.join(dir, 'build/native-status.json'), 'utf8')) as { built: boolean; reason: string };
      expect(status.built).toBe(false);
      expect(status.reason).toMatch(/^the native part could not be compiled \(no-such-compiler: /);
      expect(existsSync(path.join(dir, 'build/tsmpi_shm.node'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const missing = { TSMPI_SHM_ADDON: '/nonexistent/tsmpi_shm.node' };
    const info = await startMpi(['--info'], { env: missing }).result;
    expect(info.stdout).toContain('  shared memory  unavailable: the native part was not built (/nonexistent/tsmpi_shm.node is missing)');
    expect(info.stdout).toContain('TSMPI_TRANSPORT=auto (default): ZeroMQ for every pair, shared memory being unavailable.');
    const files = await startMpi(['-n', '3', fixture('transport-files.ts')], { env: missing }).result;
    expect(files.code).toBe(0);
    for (let r = 0; r < 3; r++) expect(files.stdout).toContain(`rank ${r} segments none`);
    const p2p = await startMpi(['-x', 'PER_PAIR=300', '-n', '3', fixture('p2p.ts')], { env: missing }).result;
    expect(p2p.stdout).toContain('p2p ok 3');
    expect(p2p.code).toBe(0);
  });
});
