// Only the job talks to the job: a foreign ZeroMQ peer that knows a running job's endpoints,
// with no keys or keys of its own, cannot get a frame to a rank or to the launcher; the job's
// secret lives in a 0600 file of the 0700 job directory and never shows in `ps`.
import { execFileSync } from 'node:child_process';
import { statSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { curveKeyPair, Dealer, type EventType } from 'zeromq';
import { parseKeys } from '../../src/comm/bootstrap/keys.js';
import { encodeEnvelope } from '../../src/comm/p2p/envelope.js';
import { kCode } from '../../src/comm/serialization/packet.js';
import { fixture, startMpi, tempDir, type MpiRun } from '../helpers/run-mpi.js';

interface Job {
  run: MpiRun;
  jobDir: string;
  stopFile: string;
  pids: number[];
}

async function startGuarded(env: NodeJS.ProcessEnv = {}): Promise<Job> {
  const dir = await tempDir();
  const stopFile = path.join(dir, 'stop');
  const run = startMpi(['-n', '2', fixture('guarded.ts')], { env: { STOP_FILE: stopFile, ...env }, killAfterMs: 60_000 });
  await run.waitForStdout('ready');
  const jobDir = /^jobdir (.+)$/m.exec(run.stdout())![1];
  const pids = [...run.stdout().matchAll(/^pid \d (\d+)$/gm)].map((m) => Number(m[1]));
  return { run, jobDir, stopFile, pids };
}

async function stop(job: Job): Promise<void> {
  await fs.writeFile(job.stopFile, '');
  const result = await job.run.result;
  expect(result.stderr).toBe('');
  expect(result.stdout).toMatch(/^clean 0 \d+$/m);
  expect(result.stdout).toMatch(/^clean 1 \d+$/m);
  expect(result.code).toBe(0);
}

/** A DEALER of ours with routing id `id` and the given security options; records its events. */
function foreign(endpoint: string, id: string, options: Record<string, unknown>): { dealer: Dealer; events: EventType[] } {
  const dealer = new Dealer({ routingId: id, linger: 0, sendTimeout: 0, ...options });
  const events: EventType[] = [];
  dealer.events.on('handshake', () => events.push('handshake'));
  dealer.events.on('handshake:error:protocol', () => events.push('handshake:error:protocol'));
  dealer.events.on('handshake:error:auth', () => events.push('handshake:error:auth'));
  dealer.events.on('handshake:error:other', () => events.push('handshake:error:other'));
  dealer.connect(endpoint);
  return { dealer, events };
}

/** Frames that look like a real message from rank `src`: a valid envelope and a Float64Array. */
function fakeMessage(src: number, seq: number): Buffer[] {
  const header = encodeEnvelope({ ctx: 0, src, tag: 5, seq, codes: [kCode.float64] });
  return [header, Buffer.from(new Float64Array([1, src]).buffer)];
}

const control = (m: object): Buffer => Buffer.from(JSON.stringify(m));

/** Sends without waiting for a peer that will never accept us (sendTimeout 0: EAGAIN is fine). */
async function trySend(dealer: Dealer, frames: Buffer[]): Promise<void> {
  await dealer.send(frames).catch(() => undefined);
}

// Keys of the attackers: none at all, or a CURVE client of their own that guesses a server key.
const attackers = (): Array<[string, Record<string, unknown>]> => {
  const own = curveKeyPair();
  return [
    ['no keys', {}],
    ['keys of its own', { curveServerKey: curveKeyPair().publicKey, curvePublicKey: own.publicKey, curveSecretKey: own.secretKey }],
  ];
};

describe('job secret', () => {
  it("a foreign peer with a rank's routing id cannot reach a rank or the launcher; the job is unaffected", async () => {
    const job = await startGuarded();
    const sockets: Array<{ dealer: Dealer; events: EventType[] }> = [];
    try {
      for (const [, options] of attackers()) {
        for (const rank of [0, 1]) {
          const s = foreign(`ipc://${path.join(job.jobDir, String(rank))}`, String(1 - rank), options);
          sockets.push(s);
          for (let seq = 0; seq < 5; seq++) await trySend(s.dealer, fakeMessage(1 - rank, seq));
        }
        const c = foreign(`ipc://${path.join(job.jobDir, 'control')}`, '0', options);
        sockets.push(c);
        await trySend(c.dealer, [control({ type: 'hello', rank: 0, pid: 1, host: 'evil', endpoint: 'ipc:///nowhere' })]);
        await trySend(c.dealer, [control({ type: 'abort', rank: 0, code: 77 })]);
        await trySend(c.dealer, [control({ type: 'failed', rank: 1, reason: 'exception', stack: 'Error: forged' })]);
      }
      // Positive control: the job's own keys do complete the handshake (nothing is sent).
      const keys = parseKeys(readFileSync(path.join(job.jobDir, 'keys.json'), 'utf8'));
      const member = foreign(`ipc://${path.join(job.jobDir, '1')}`, 'probe', {
        curveServerKey: keys.serverPublicKey,
        curvePublicKey: keys.clientPublicKey,
        curveSecretKey: keys.clientSecretKey,
      });
      await delay(1000);
      for (let waited = 0; !member.events.includes('handshake') && waited < 10_000; waited += 100) await delay(100);
      expect(member.events).toContain('handshake');
      member.dealer.close();
      for (const s of sockets) expect(s.events).not.toContain('handshake');
      expect(job.run.stdout()).not.toMatch(/^clean/m);
      await stop(job);
    } finally {
      for (const s of sockets) s.dealer.close();
      job.run.child.kill('SIGKILL');
    }
  }, 60_000);

  it('lives in a 0600 key file of a 0700 job directory, and never shows in ps', async () => {
    const job = await startGuarded();
    try {
      const uid = process.getuid!();
      const dir = statSync(job.jobDir);
      expect(dir.mode & 0o777).toBe(0o700);
      expect(dir.uid).toBe(uid);
      const keyFile = path.join(job.jobDir, 'keys.json');
      const file = statSync(keyFile);
      expect(file.mode & 0o777).toBe(0o600);
      expect(file.uid).toBe(uid);
      const text = readFileSync(keyFile, 'utf8');
      const keys = parseKeys(text);
      expect(keys.encryption).toBe('on');
      const secrets = [keys.serverPublicKey, keys.serverSecretKey, keys.clientPublicKey, keys.clientSecretKey, text.trim()];
      const pids = [job.run.child.pid!, ...job.pids].join(',');
      const args = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const withEnv = execFileSync('ps', ['e', '-ww', '-o', 'args=', '-p', pids], { encoding: 'utf8' });
      // ps e does show the ranks' environment: the key file's path, and only that.
      expect(withEnv).toContain(`TSMPI_KEYS=${keyFile}`);
      for (const secret of secrets) {
        expect(args).not.toContain(secret);
        expect(withEnv).not.toContain(secret);
      }
      await stop(job);
    } finally {
      job.run.child.kill('SIGKILL');
    }
  }, 60_000);

  it('TSMPI_ENCRYPTION=off keeps authentication: the control plane and the ranks refuse peers without the job secret', async () => {
    const job = await startGuarded({ TSMPI_ENCRYPTION: 'off' });
    const sockets: Array<{ dealer: Dealer; events: EventType[] }> = [];
    try {
      const keys = parseKeys(readFileSync(path.join(job.jobDir, 'keys.json'), 'utf8'));
      expect(keys.encryption).toBe('off');
      const plainGuesses: Array<[string, Record<string, unknown>]> = [
        ['a wrong password', { plainUsername: 'tsmpi', plainPassword: 'guess' }],
        ['the right password under another name', { plainUsername: 'root', plainPassword: keys.clientSecretKey }],
      ];
      for (const [, options] of [...attackers(), ...plainGuesses]) {
        const c = foreign(`ipc://${path.join(job.jobDir, 'control')}`, '0', options);
        sockets.push(c);
        await trySend(c.dealer, [control({ type: 'abort', rank: 0, code: 77 })]);
        for (const rank of [0, 1]) {
          const d = foreign(`ipc://${path.join(job.jobDir, String(rank))}`, String(1 - rank), options);
          sockets.push(d);
          for (let seq = 0; seq < 5; seq++) await trySend(d.dealer, fakeMessage(1 - rank, seq));
        }
      }
      // Positive control: the job's password completes a rank's handshake (nothing is sent).
      const member = foreign(`ipc://${path.join(job.jobDir, '1')}`, 'probe', { plainUsername: 'tsmpi', plainPassword: keys.clientSecretKey });
      await delay(1000);
      for (let waited = 0; !member.events.includes('handshake') && waited < 10_000; waited += 100) await delay(100);
      expect(member.events).toContain('handshake');
      member.dealer.close();
      for (const s of sockets) expect(s.events).not.toContain('handshake');
      expect(sockets.some((s) => s.events.includes('handshake:error:auth'))).toBe(true);
      await stop(job);
    } finally {
      for (const s of sockets) s.dealer.close();
      job.run.child.kill('SIGKILL');
    }
  }, 60_000);

  it('TSMPI_ENCRYPTION takes "on" or "off" only', async () => {
    const run = startMpi(['-n', '1', fixture('exit-code.ts')], { env: { TSMPI_ENCRYPTION: 'maybe' } });
    const result = await run.result;
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('tsmpirun: TSMPI_ENCRYPTION must be "on" or "off", got "maybe"\n');
  });
});
