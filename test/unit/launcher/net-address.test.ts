import { readFileSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { LaunchError, UsageError } from '../../../src/launcher/errors.js';
import { addressToward, describeInterfaces, resolveIface, type Interfaces } from '../../../src/launcher/net/address.js';

function info(address: string, family: 'IPv4' | 'IPv6' = 'IPv4'): os.NetworkInterfaceInfo {
  const base = { address, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', internal: false, cidr: `${address}/24` };
  return family === 'IPv4' ? { ...base, family } : { ...base, family, scopeid: 0 };
}

// A host with loopback, two addresses on eth0, and an InfiniBand port without IPv4.
const kHost: Interfaces = {
  lo: [info('127.0.0.1'), info('::1', 'IPv6')],
  eth0: [info('fe80::1', 'IPv6'), info('10.0.0.2'), info('10.0.0.3')],
  ib0: [info('fe80::2', 'IPv6')],
};
const kAvailable = 'lo 127.0.0.1, eth0 10.0.0.2 10.0.0.3, ib0 (no IPv4)';

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('resolveIface', () => {
  it('gives the first IPv4 address of a named interface', () => {
    expect(resolveIface('eth0', kHost)).toBe('10.0.0.2');
    expect(resolveIface('lo', kHost)).toBe('127.0.0.1');
  });

  it('gives back an IPv4 address of this host', () => {
    expect(resolveIface('10.0.0.3', kHost)).toBe('10.0.0.3');
  });

  it('reads the real interfaces by default: lo is 127.0.0.1', () => {
    expect(resolveIface('lo')).toBe('127.0.0.1');
    expect(resolveIface('127.0.0.1')).toBe('127.0.0.1');
  });

  it.each([
    ['eth9', `--iface: "eth9" is neither an interface nor an address of this host (available: ${kAvailable})`],
    ['10.0.0.9', `--iface: "10.0.0.9" is neither an interface nor an address of this host (available: ${kAvailable})`],
    ['toString', `--iface: "toString" is neither an interface nor an address of this host (available: ${kAvailable})`],
    ['ib0', `--iface: interface "ib0" has no IPv4 address (available: ${kAvailable})`],
    ['fe80::1', '--iface: "fe80::1" is an IPv6 address; only IPv4 is supported for now'],
  ])('%s → %s', (value, message) => {
    expect(usageError(() => resolveIface(value, kHost))).toBe(message);
  });

  it('names the option it was given', () => {
    expect(usageError(() => resolveIface('x', {}, 'TSMPI_IFACE'))).toBe(
      'TSMPI_IFACE: "x" is neither an interface nor an address of this host (available: none)',
    );
  });
});

describe('describeInterfaces', () => {
  it('lists every interface with its IPv4 addresses', () => {
    expect(describeInterfaces(kHost)).toBe(kAvailable);
    expect(describeInterfaces({})).toBe('none');
  });
});

/** Whether the kernel's IPv4 routing table (/proc/net/route) has a route to `ip`, a default one included. */
function hasRouteTo(ip: string): boolean {
  // /proc/net/route writes addresses as the hex of their in-memory (little-endian) 32-bit value.
  const value = ip.split('.').reduceRight((acc, octet) => (acc << 8) | Number(octet), 0) >>> 0;
  return readFileSync('/proc/net/route', 'utf8')
    .split('\n')
    .slice(1)
    .some((line) => {
      const [, destination, , , , , , mask] = line.split('\t');
      if (mask === undefined) return false;
      return (value & parseInt(mask, 16)) >>> 0 === parseInt(destination, 16);
    });
}

describe('addressToward', () => {
  it('reaches loopback from 127.0.0.1', async () => {
    await expect(addressToward('127.0.0.1')).resolves.toBe('127.0.0.1');
    await expect(addressToward('127.3.4.5')).resolves.toBe('127.0.0.1');
  });

  it('resolves a name first', async () => {
    await expect(addressToward('localhost')).resolves.toMatch(/^127\./);
  });

  it("gives an address of one of this host's interfaces for any IPv4 destination it has a route to", async () => {
    const own = Object.values(os.networkInterfaces())
      .flatMap((l) => l ?? [])
      .filter((i) => i.family === 'IPv4')
      .map((i) => i.address);
    // TEST-NET-1: routed by a default route, never answered.
    const toward = addressToward('192.0.2.77');
    if (hasRouteTo('192.0.2.77')) await expect(toward).resolves.toSatisfy((address: string) => own.includes(address));
    else await expect(toward).rejects.toMatchObject({ code: 'ERR_CONTROL' });
  });

  it.each([
    ['::1', 'cannot find the local address that reaches "::1": only IPv4 is supported for now'],
    ['no-such-host.invalid', /^cannot find the local address that reaches "no-such-host\.invalid": /],
  ])('%s is a LaunchError naming the destination', async (destination, message) => {
    const error = await addressToward(destination).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LaunchError);
    expect((error as LaunchError).code).toBe('ERR_CONTROL');
    expect((error as Error).message).toMatch(message);
  });
});
