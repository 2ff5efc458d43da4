import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LaunchError, UsageError } from '../../../src/launcher/errors.js';
import { parseHostfile, parseHostList, totalSlots } from '../../../src/launcher/hostfile.js';

function hostfileError(text: string): string {
  try {
    parseHostfile(text, 'hosts.txt');
  } catch (error) {
    expect(error).toBeInstanceOf(LaunchError);
    expect((error as LaunchError).code).toBe('ERR_HOSTFILE');
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('parseHostfile', () => {
  it('reads hosts with and without slots, skipping comments and blank lines', () => {
    const text = '# cluster\n\nnode01 slots=4\n  node02   slots=2   # two\nnode03\n\t\n# end\n';
    expect(parseHostfile(text, 'hosts.txt')).toEqual([
      { name: 'node01', slots: 4 },
      { name: 'node02', slots: 2 },
      { name: 'node03', slots: 1 },
    ]);
  });

  it('accepts Windows line ends, "slots = K", max_slots and addresses', () => {
    expect(parseHostfile('a slots = 3 max_slots=8\r\n10.0.0.2 slot=2\r\n::1\r\n', 'h')).toEqual([
      { name: 'a', slots: 3 },
      { name: '10.0.0.2', slots: 2 },
      { name: '::1', slots: 1 },
    ]);
  });

  it('sums the slots of a host listed twice, keeping first-appearance order', () => {
    const hosts = parseHostfile('a slots=2\nb\na slots=3\n', 'h');
    expect(hosts).toEqual([
      { name: 'a', slots: 5 },
      { name: 'b', slots: 1 },
    ]);
    expect(totalSlots(hosts)).toBe(6);
  });

  it.each([
    ['a slots=2\nb slots=0\n', 'hosts.txt:2: slots must be a positive integer, got "0"'],
    ['# c\n\na slots=\n', 'hosts.txt:3: slots must be a positive integer, got ""'],
    ['a slots=x', 'hosts.txt:1: slots must be a positive integer, got "x"'],
    ['a\nb cpus=4\n', 'hosts.txt:2: unknown attribute "cpus=4" (expected slots=K or max_slots=K)'],
    ['a max_slots=-1', 'hosts.txt:1: max_slots must be a positive integer, got "-1"'],
    ['slots=4', 'hosts.txt:1: "slots=4" is not a host name'],
    ['a\n\n\nb/c slots=1', 'hosts.txt:4: "b/c" is not a host name'],
    ['# only comments\n\n', 'hostfile "hosts.txt" lists no hosts'],
    ['', 'hostfile "hosts.txt" lists no hosts'],
  ])('%j → %s', (text, message) => {
    expect(hostfileError(text)).toBe(message);
  });
});

describe('parseHostList', () => {
  it('reads host[:slots] entries, one slot by default, duplicates summed', () => {
    expect(parseHostList('h1:2,h2, h3:4,h1')).toEqual([
      { name: 'h1', slots: 3 },
      { name: 'h2', slots: 1 },
      { name: 'h3', slots: 4 },
    ]);
  });

  it('reads IPv6 literals, bracketed when they carry slots', () => {
    expect(parseHostList('[::1]:2,fe80::1,[::2]')).toEqual([
      { name: '::1', slots: 2 },
      { name: 'fe80::1', slots: 1 },
      { name: '::2', slots: 1 },
    ]);
  });

  it.each([
    ['a:0', '--host: slots must be a positive integer, got "0" in "a:0"'],
    ['a:', '--host: slots must be a positive integer, got "" in "a:"'],
    ['a,', '--host: empty host name in ""'],
    [':2', '--host: "" is not a host name in ":2"'],
    ['a b', '--host: "a b" is not a host name in "a b"'],
  ])('%j → %s', (list, message) => {
    expect(() => parseHostList(list)).toThrow(UsageError);
    expect(() => parseHostList(list)).toThrow(message);
  });
});

describe('hostfile.example', () => {
  it("the repository's commented example parses to three hosts of two slots", () => {
    const text = readFileSync(new URL('../../../hostfile.example', import.meta.url), 'utf8');
    expect(parseHostfile(text, 'hostfile.example')).toEqual([
      { name: 'node1', slots: 2 },
      { name: 'node2', slots: 2 },
      { name: 'node3', slots: 2 },
    ]);
  });
});
