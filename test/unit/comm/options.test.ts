import { describe, expect, it } from 'vitest';
import { kDefaultSpinUs, receiveBufferFromEnv, spinUsFromEnv, transportFromEnv } from '../../../src/comm/options.js';

describe('TSMPI_TRANSPORT', () => {
  it('defaults to auto; takes auto and zmq in any case, with spaces', () => {
    expect(transportFromEnv({})).toBe('auto');
    expect(transportFromEnv({ TSMPI_TRANSPORT: '' })).toBe('auto');
    expect(transportFromEnv({ TSMPI_TRANSPORT: ' ZMQ ' })).toBe('zmq');
    expect(transportFromEnv({ TSMPI_TRANSPORT: 'auto' })).toBe('auto');
  });

  it('anything else is a RangeError naming the variable and the value', () => {
    expect(() => transportFromEnv({ TSMPI_TRANSPORT: 'shm' })).toThrow(new RangeError('TSMPI_TRANSPORT must be "auto" or "zmq", got "shm"'));
  });
});

describe('TSMPI_SPIN_US', () => {
  it('defaults to polling when the host has a CPU per rank, and to none when it has fewer', () => {
    expect(spinUsFromEnv({}, 2, 2)).toBe(kDefaultSpinUs);
    expect(spinUsFromEnv({}, 3, 2)).toBe(0);
    expect(spinUsFromEnv({}, 2, 1)).toBe(0);
  });

  it('an explicit value wins either way', () => {
    expect(spinUsFromEnv({ TSMPI_SPIN_US: '0' }, 2, 8)).toBe(0);
    expect(spinUsFromEnv({ TSMPI_SPIN_US: '200' }, 16, 2)).toBe(200);
  });

  it.each(['-1', '1.5', 'fast', '2000000'])('%s is a RangeError naming the variable and the value', (v) => {
    expect(() => spinUsFromEnv({ TSMPI_SPIN_US: v }, 2, 2)).toThrow(`TSMPI_SPIN_US must be an integer number of microseconds in [0, 1000000], got ${JSON.stringify(v)}`);
  });
});

describe('TSMPI_RECV_BUFFER', () => {
  it('sizes with units, unlimited, and unset', () => {
    expect(receiveBufferFromEnv({})).toBeUndefined();
    expect(receiveBufferFromEnv({ TSMPI_RECV_BUFFER: '64MiB' })).toBe(64 * 2 ** 20);
    expect(receiveBufferFromEnv({ TSMPI_RECV_BUFFER: '512k' })).toBe(512 * 1024);
    expect(receiveBufferFromEnv({ TSMPI_RECV_BUFFER: 'unlimited' })).toBe(Infinity);
    expect(() => receiveBufferFromEnv({ TSMPI_RECV_BUFFER: '0' })).toThrow(RangeError);
  });
});
