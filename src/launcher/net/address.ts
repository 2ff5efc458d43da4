/**
 * Which local address ranks advertise. A host often has several interfaces (loopback, a
 * management network, a fast fabric, container bridges); the one to advertise is the one that
 * reaches the launcher, unless `--iface` names another.
 */
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import os from 'node:os';
import { LaunchError, UsageError } from '../errors.js';
import { Texts } from '../help.js';

/** What `os.networkInterfaces()` returns; a parameter so tests can describe any host. */
export type Interfaces = NodeJS.Dict<os.NetworkInterfaceInfo[]>;

/**
 * The local IPv4 address this host would use to reach `destination` (an IPv4 address or a
 * name). It asks the kernel's routing table by connecting a UDP socket, which sends nothing.
 * Errors are `LaunchError('ERR_CONTROL')` naming the destination (no route, unknown name).
 *
 * ```ts
 * await addressToward('127.0.0.1') // '127.0.0.1'
 * await addressToward('10.1.0.7')  // e.g. '10.1.0.2', the address of the interface toward it
 * ```
 */
export function addressToward(destination: string): Promise<string> {
  if (isIP(destination) === 6) {
    return Promise.reject(new LaunchError('ERR_CONTROL', Texts.noRouteToward(destination, 'only IPv4 is supported for now')));
  }
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const done = (error: Error | undefined, address?: string): void => {
      socket.close();
      if (error) {
        reject(new LaunchError('ERR_CONTROL', Texts.noRouteToward(destination, error.message), { cause: error }));
      } else {
        resolve(address!);
      }
    };
    socket.once('error', (error) => done(error));
    // The port does not matter (nothing is sent) but must not be 0, which connect() refuses.
    // A failed name lookup comes to this callback as its argument, not as an 'error' event.
    socket.connect(9, destination, (error?: Error) => {
      if (error) return done(error);
      try {
        const { address } = socket.address();
        done(address === '0.0.0.0' ? new Error('no route') : undefined, address);
      } catch (caught) {
        done(caught as Error);
      }
    });
  });
}

/** `lo 127.0.0.1, eth0 10.0.0.2, ib0 (no IPv4)`: what `--iface` could have been. */
export function describeInterfaces(interfaces: Interfaces = os.networkInterfaces()): string {
  const entries = Object.entries(interfaces).map(([name, infos]) => {
    const ipv4 = (infos ?? []).filter((i) => i.family === 'IPv4').map((i) => i.address);
    return ipv4.length > 0 ? `${name} ${ipv4.join(' ')}` : `${name} (no IPv4)`;
  });
  return entries.length > 0 ? entries.join(', ') : 'none';
}

/**
 * The IPv4 address `--iface` means: the first IPv4 address of the interface so named, or the
 * value itself when it is an IPv4 address of this host. Anything else is a
 * {@link UsageError} naming `option` and the value and listing the interfaces there are.
 *
 * ```ts
 * resolveIface('lo')        // '127.0.0.1'
 * resolveIface('127.0.0.1') // '127.0.0.1'
 * ```
 */
export function resolveIface(value: string, interfaces: Interfaces = os.networkInterfaces(), option = '--iface'): string {
  const infos = Object.hasOwn(interfaces, value) ? interfaces[value] : undefined;
  if (infos !== undefined) {
    const ipv4 = infos.find((i) => i.family === 'IPv4');
    if (!ipv4) throw new UsageError(Texts.ifaceNoIPv4(option, value, describeInterfaces(interfaces)));
    return ipv4.address;
  }
  if (isIP(value) === 6) throw new UsageError(Texts.ifaceIPv6(option, value));
  if (isIP(value) === 4) {
    const own = Object.values(interfaces).some((list) => (list ?? []).some((i) => i.family === 'IPv4' && i.address === value));
    if (own) return value;
  }
  throw new UsageError(Texts.ifaceNotFound(option, value, describeInterfaces(interfaces)));
}
