// Frames that are malformed, truncated or impersonating never crash a rank or change what its
// program receives; the engine sees them exactly as the ZeroMQ transport hands them over.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Communicator } from '../../src/comm/communicator.js';
import { encodeEnvelope } from '../../src/comm/p2p/envelope.js';
import { P2PEngine } from '../../src/comm/p2p/p2p-engine.js';
import { encode } from '../../src/comm/serialization/codec.js';
import type { MessageHandler, Transport } from '../../src/comm/transport/transport.js';

/** Rank 0 of a world of 2 whose transport lets the test play rank 1 (or an intruder). */
function rankZero(): { comm: Communicator; deliver: MessageHandler } {
  let deliver: MessageHandler = () => {};
  const transport: Transport = {
    endpoint: 'test://0',
    setDirectory() {},
    send: () => Promise.resolve(),
    onMessage(h) {
      deliver = h;
    },
    setActive() {},
    close: () => Promise.resolve(),
  };
  const engine = new P2PEngine(0, 2, transport);
  const comm = new Communicator({ engine, group: [0, 1], rank: 0, ctx: 0, algorithms: {} });
  return { comm, deliver: (peer, header, packets) => deliver(peer, header, packets) };
}

const header = (over: Partial<Parameters<typeof encodeEnvelope>[0]> = {}): Buffer => encodeEnvelope({ ctx: 0, src: 1, tag: 3, seq: 0, codes: [0], ...over });

describe('malformed frames reaching a rank', () => {
  let warnings: string[];
  beforeEach(() => {
    warnings = [];
    vi.spyOn(process, 'emitWarning').mockImplementation((w: string | Error) => void warnings.push(String(w)));
  });
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ['a truncated header', Buffer.alloc(7), [encode(1).bytes], 'header of 7 bytes is shorter than 20'],
    ['an unknown kind', Buffer.concat([Buffer.from([9]), header().subarray(1)]), [encode(1).bytes], 'unknown message kind 9'],
    ['fewer frames than announced', header({ codes: [0, 0] }), [encode(1).bytes], 'header announces 2 packets but 1 frames followed'],
    ['more frames than announced', header(), [encode(1).bytes, encode(2).bytes], 'header announces 1 packets but 2 frames followed'],
    ['a header with trailing bytes', Buffer.concat([header(), Buffer.alloc(3)]), [encode(1).bytes], 'header announces 1 packets but is 24 bytes long'],
    ["another rank's name on rank 1's connection", header({ src: 0 }), [encode(1).bytes], 'claiming to be from rank 0'],
  ])('ignores %s with a warning, and the next real message still arrives', async (_name, bad, packets, warning) => {
    const { comm, deliver } = rankZero();
    deliver(1, bad, packets);
    expect(warnings.join('\n')).toContain(warning);
    expect(comm.iprobe()).toBe(false);
    deliver(1, header(), [encode('real').bytes]);
    expect(await comm.recv(1, 3)).toBe('real');
  });

  it('a packet whose bytes do not fit its type rejects that receive with a clear error; the rank goes on', async () => {
    const { comm, deliver } = rankZero();
    deliver(1, header({ codes: [11] }), [Buffer.alloc(7)]);
    await expect(comm.recv(1, 3)).rejects.toThrow(new RangeError('received 7 bytes, not a whole number of Float64Array elements'));
    deliver(1, header({ seq: 1, codes: [77] }), [Buffer.alloc(4)]);
    await expect(comm.recv(1, 3)).rejects.toThrow(new TypeError('received a packet with unknown code 77'));
    deliver(1, header({ seq: 2, codes: [0] }), [Buffer.from([0xff, 0x0f, 0x42])]);
    await expect(comm.recv(1, 3)).rejects.toThrow();
    deliver(1, header({ seq: 3 }), [encode({ ok: true }).bytes]);
    expect(await comm.recv(1, 3)).toEqual({ ok: true });
  });

  it("a message out of sequence ends the rank's communication with an internal error, never wrong data", async () => {
    const { comm, deliver } = rankZero();
    const pending = comm.recv(1, 3);
    deliver(1, header({ seq: 5 }), [encode('x').bytes]);
    await expect(pending).rejects.toMatchObject({ code: 'ERR_INTERN', message: 'message from rank 1 arrived out of order: sequence 5, expected 0' });
    await expect(comm.recv(1, 3)).rejects.toMatchObject({ code: 'ERR_INTERN' });
  });
});
