/**
 * Flow control through the real launcher: with a receive buffer far smaller than what is sent,
 * messages go as rendezvous; nothing waits behind unreceived messages, collectives pass them,
 * and a rank that ends without receiving some releases their sender.
 */
import { describe, it } from 'vitest';
import { fixture, kTransports, onTransport, runMpi, startMpi } from '../helpers/run-mpi.js';

describe.concurrent('receive window (TSMPI_RECV_BUFFER)', () => {
  for (const [np, transport] of [2, 3].flatMap((np) => kTransports.map((t) => [np, t] as const))) {
    it(`${transport}, np=${np}, 64 KiB buffer: 4 MiB past the window, matched out of order, with a barrier in between; unreceived messages do not hold the sender`, async ({
      expect,
    }) => {
      const r = await runMpi([...onTransport(transport), '-x', 'TSMPI_RECV_BUFFER=64k', '-n', String(np), fixture('window.ts')], { killAfterMs: 30_000 });
      expect(r.stderr).toBe('');
      expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(Array.from({ length: np }, (_, i) => `window ok ${i}`));
      expect(r.code).toBe(0);
    });
  }

  it('a bad TSMPI_RECV_BUFFER is refused by the launcher before any rank starts, naming the variable and value', async ({ expect }) => {
    for (const value of ['lots', '-5', '0', '12XB']) {
      const result = await startMpi(['-n', '2', fixture('exit-code.ts')], { env: { TSMPI_RECV_BUFFER: value } }).result;
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `tsmpirun: TSMPI_RECV_BUFFER must be a positive size such as 64MiB, 512k or 1G, or "unlimited", got ${JSON.stringify(value)}\n`,
      );
    }
  });
});
