import { describe, expect, it } from 'vitest';
import { SendQueue, type Sender } from '../../../../src/comm/transport/send-queue.js';

/** A socket that, like zeromq.js, fails with EBUSY if a second send starts before the first settled. */
function fakeSocket(): Sender & { sent: string[]; release(): void } {
  let inFlight: (() => void) | undefined;
  const sent: string[] = [];
  return {
    sent,
    send(frames) {
      if (inFlight) throw Object.assign(new Error('busy'), { code: 'EBUSY' });
      return new Promise<void>((resolve) => {
        inFlight = () => {
          inFlight = undefined;
          sent.push(frames[0].toString());
          resolve();
        };
      });
    },
    release() {
      inFlight?.();
    },
  };
}

describe('SendQueue', () => {
  it('issues one send at a time, in call order, each caller resolving with its own message', async () => {
    const socket = fakeSocket();
    const q = new SendQueue(socket);
    const done: string[] = [];
    const all = ['a', 'b', 'c'].map((m) => q.send([Buffer.from(m)]).then(() => done.push(m)));
    expect(q.pending).toBe(3);
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r));
      socket.release();
    }
    await Promise.all(all);
    expect(socket.sent).toEqual(['a', 'b', 'c']);
    expect(done).toEqual(['a', 'b', 'c']);
    expect(q.pending).toBe(0);
  });

  it('turns a synchronous throw of the socket into a rejection and keeps going', async () => {
    let calls = 0;
    const q = new SendQueue({
      send() {
        calls++;
        if (calls === 1) throw new Error('socket closed');
        return Promise.resolve();
      },
    });
    await expect(q.send([Buffer.from('x')])).rejects.toThrow('socket closed');
    await expect(q.send([Buffer.from('y')])).resolves.toBeUndefined();
  });
});
