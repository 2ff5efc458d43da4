/**
 * Host lists, pure: Open MPI's hostfile format and the `--host` list. A host without a slot
 * count has one slot (as with Open MPI's `--host`); a host named twice has the sum of its
 * slots, in the order hosts first appear.
 *
 * ```
 * # comment
 * node01 slots=4        # trailing comment
 * node02 slots=4 max_slots=8
 * node03
 * ```
 */
import { LaunchError, UsageError } from './errors.js';
import { Texts } from './help.js';

/** A host and how many ranks it runs before it counts as oversubscribed. */
export interface Host {
  name: string;
  slots: number;
}

// Host names, IPv4/IPv6 literals, user@host. Anything with "=" is an attribute, not a host.
const kHostName = /^[A-Za-z0-9_.:@%[\]-]+$/;
const kPositiveInt = /^[1-9][0-9]{0,8}$/;

/** Adds `host` to `hosts`, summing the slots of a host named before. */
function addHost(hosts: Host[], host: Host): void {
  const known = hosts.find((h) => h.name === host.name);
  if (known) known.slots += host.slots;
  else hosts.push({ ...host });
}

/**
 * Parses a hostfile's text. Errors are `LaunchError('ERR_HOSTFILE')` whose message starts with
 * `<fileName>:<line>:`.
 *
 * ```ts
 * parseHostfile('a slots=2\nb # one slot\n', 'hosts') // [{name:'a',slots:2},{name:'b',slots:1}]
 * ```
 */
export function parseHostfile(text: string, fileName: string): Host[] {
  const hosts: Host[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const fail = (why: string): never => {
      throw new LaunchError('ERR_HOSTFILE', Texts.hostfileLine(fileName, index + 1, why));
    };
    // "slots = 4" is accepted as "slots=4".
    const line = raw
      .replace(/#.*/, '')
      .replace(/\s*=\s*/g, '=')
      .trim();
    if (line === '') return;
    const [name, ...attributes] = line.split(/\s+/);
    if (!kHostName.test(name)) fail(Texts.badHostName(name));
    let slots = 1;
    for (const attribute of attributes) {
      const [key, value = ''] = attribute.split('=', 2);
      if (key === 'slots' || key === 'slot') {
        if (!kPositiveInt.test(value)) fail(Texts.badSlots(key, value));
        slots = Number(value);
      } else if (key === 'max_slots' || key === 'max-slots') {
        // Accepted for compatibility; a hard cap only matters once remote hosts are supported.
        if (!kPositiveInt.test(value)) fail(Texts.badSlots(key, value));
      } else {
        fail(Texts.badAttribute(attribute));
      }
    }
    addHost(hosts, { name, slots });
  });
  if (hosts.length === 0) throw new LaunchError('ERR_HOSTFILE', Texts.hostfileEmpty(fileName));
  return hosts;
}

/**
 * Parses `--host h1:2,h2,h3:4`. IPv6 literals go in brackets when they carry slots
 * (`[::1]:2`). Errors are {@link UsageError}s naming `option` and the entry.
 */
export function parseHostList(list: string, option = '--host'): Host[] {
  const hosts: Host[] = [];
  for (const rawEntry of list.split(',')) {
    const entry = rawEntry.trim();
    const fail = (why: string): never => {
      throw new UsageError(Texts.hostEntry(option, entry, why));
    };
    if (entry === '') fail('empty host name');
    let name = entry;
    let slots = 1;
    const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(entry);
    const colon = entry.lastIndexOf(':');
    if (bracketed) {
      name = bracketed[1];
      if (bracketed[2] !== undefined) slots = parseSlots(bracketed[2], fail);
    } else if (colon >= 0 && entry.indexOf(':') === colon) {
      // Exactly one colon: "host:K". Several colons without brackets: an IPv6 literal.
      name = entry.slice(0, colon);
      slots = parseSlots(entry.slice(colon + 1), fail);
    }
    if (!kHostName.test(name)) fail(Texts.badHostName(name));
    addHost(hosts, { name, slots });
  }
  return hosts;
}

function parseSlots(value: string, fail: (why: string) => never): number {
  return kPositiveInt.test(value) ? Number(value) : fail(Texts.badSlots('slots', value));
}

/** Total slots of `hosts`. */
export function totalSlots(hosts: readonly Host[]): number {
  return hosts.reduce((sum, h) => sum + h.slots, 0);
}
