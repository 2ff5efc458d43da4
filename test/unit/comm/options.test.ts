import { describe, expect, it } from 'vitest';
import { bindFromEnv, kDefaultSpinUs, kDefaultYieldSpinUs, receiveBufferFromEnv, spinFromEnv, transportFromEnv } from '../../../src/comm/options.js';

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
  it('polls by default; yielding the CPU between looks when the host has fewer CPUs than ranks', () => {
    expect(spinFromEnv({}, 2, 2)).toEqual({ us: kDefaultSpinUs, yield: false });
    expect(spinFromEnv({}, 3, 2)).toEqual({ us: kDefaultYieldSpinUs, yield: true });
    expect(spinFromEnv({}, 2, 1)).toEqual({ us: kDefaultYieldSpinUs, yield: true });
  });

  it('an explicit budget wins; 0 sleeps at once', () => {
    expect(spinFromEnv({ TSMPI_SPIN_US: '0' }, 2, 8)).toEqual({ us: 0, yield: false });
    expect(spinFromEnv({ TSMPI_SPIN_US: '200' }, 16, 2)).toEqual({ us: 200, yield: true });
  });

  it.each(['-1', '1.5', 'fast', '2000000'])('%s is a RangeError naming the variable and the value', (v) => {
    expect(() => spinFromEnv({ TSMPI_SPIN_US: v }, 2, 2)).toThrow(
      `TSMPI_SPIN_US must be an integer number of microseconds in [0, 1000000], got ${JSON.stringify(v)}`,
    );
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

describe('TSMPI_BIND', () => {
  it('binds to cores by default; none opts out; anything else is a RangeError naming it', () => {
    expect(bindFromEnv({})).toBe('core');
    expect(bindFromEnv({ TSMPI_BIND: 'None' })).toBe('none');
    expect(() => bindFromEnv({ TSMPI_BIND: 'socket' })).toThrow(new RangeError('TSMPI_BIND must be "core" or "none", got "socket"'));
  });
});
