import { describe, expect, it } from 'vitest';
import { LaunchError } from '../../../src/launcher/errors.js';
import { compressHostlist, expandHostlist, kMaxHosts } from '../../../src/launcher/slurm/hostlist.js';

function hostlistError(expression: string): string {
  try {
    expandHostlist(expression);
  } catch (error) {
    expect(error).toBeInstanceOf(LaunchError);
    expect((error as LaunchError).code).toBe('ERR_SLURM');
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('expandHostlist', () => {
  it.each([
    ['h1', ['h1']],
    ['h1,h2', ['h1', 'h2']],
    ['h[1-3,5]', ['h1', 'h2', 'h3', 'h5']],
    ['h[5,1-2]', ['h5', 'h1', 'h2']],
    ['h[7]', ['h7']],
    ['node[001-003]', ['node001', 'node002', 'node003']],
    ['a,b[1-2],c', ['a', 'b1', 'b2', 'c']],
  ])('%s', (expression, hosts) => {
    expect(expandHostlist(expression)).toEqual(hosts);
  });

  it('pads each range to the width of its own low end, as Slurm does', () => {
    expect(expandHostlist('n[08-10]')).toEqual(['n08', 'n09', 'n10']);
    expect(expandHostlist('n[8-10]')).toEqual(['n8', 'n9', 'n10']);
    expect(expandHostlist('n[1-010]')).toEqual(['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9', 'n10']);
    expect(expandHostlist('n[098-100,7,007]')).toEqual(['n098', 'n099', 'n100', 'n7', 'n007']);
  });

  it('expands several groups as a cartesian product, the leftmost slowest', () => {
    expect(expandHostlist('r[1-2]n[1-2]')).toEqual(['r1n1', 'r1n2', 'r2n1', 'r2n2']);
    expect(expandHostlist('rack[1-2]_blade[01,3]')).toEqual(['rack1_blade01', 'rack1_blade3', 'rack2_blade01', 'rack2_blade3']);
    expect(expandHostlist('a[0-1]b[0-1]c[5]')).toEqual(['a0b0c5', 'a0b1c5', 'a1b0c5', 'a1b1c5']);
  });

  it('keeps names with dashes, dots and underscores, and addresses', () => {
    expect(expandHostlist('login-1.cluster,gpu-node[09-10],my_host')).toEqual(['login-1.cluster', 'gpu-node09', 'gpu-node10', 'my_host']);
    expect(expandHostlist('10.0.0.[1-2],n.[1-2].x[3]')).toEqual(['10.0.0.1', '10.0.0.2', 'n.1.x3', 'n.2.x3']);
    expect(expandHostlist('[1-2]')).toEqual(['1', '2']);
  });

  it('keeps duplicates and order, and skips empty items as Slurm does', () => {
    expect(expandHostlist('b,a,b[1-2],b1')).toEqual(['b', 'a', 'b1', 'b2', 'b1']);
    expect(expandHostlist(',a,,b,')).toEqual(['a', 'b']);
  });

  it.each([
    ['', 'hostlist "" names no hosts'],
    [',,', 'hostlist ",," names no hosts'],
    ['h[1-3', 'hostlist "h[1-3", character 2: "[" is never closed'],
    ['h1-3]', 'hostlist "h1-3]", character 5: "]" without "["'],
    ['a,h[1[2]]', 'hostlist "a,h[1[2]]", character 6: "[" inside "[...]"'],
    ['h[3-1]', 'hostlist "h[3-1]", character 3: range "3-1" goes down'],
    ['h[1,5-2]', 'hostlist "h[1,5-2]", character 5: range "5-2" goes down'],
    ['h[]', 'hostlist "h[]", character 2: empty "[]"'],
    ['h[1-]', 'hostlist "h[1-]", character 3: "1-" is not a number N or a range N-M'],
    ['h[a-b]', 'hostlist "h[a-b]", character 3: "a-b" is not a number N or a range N-M'],
    ['h[1,,2]', 'hostlist "h[1,,2]", character 5: "" is not a number N or a range N-M'],
    ['h[-1]', 'hostlist "h[-1]", character 3: "-1" is not a number N or a range N-M'],
    ['h1, h2', 'hostlist "h1, h2", character 4: white space is not allowed (use "," between hosts)'],
    ['n[1-2]-ib', 'hostlist "n[1-2]-ib", character 7: "-ib" after the last "]" (only "," may follow it)'],
    ['h[0-70000]', 'hostlist "h[0-70000]", character 3: expands to more than 65536 hosts'],
  ])('%j → %s', (expression, message) => {
    expect(hostlistError(expression)).toBe(message);
  });

  it('refuses an expansion larger than kMaxHosts', () => {
    expect(hostlistError('n[0-9999]x[0-9999]')).toBe(`hostlist "n[0-9999]x[0-9999]", character 1: expands to more than ${kMaxHosts} hosts`);
  });
});

describe('compressHostlist', () => {
  it.each([
    [['n1', 'n2', 'n3', 'm1'], 'n[1-3],m1'],
    [['n01', 'n02', 'n03', 'n07', 'login'], 'n[01-03,07],login'],
    [['n1', 'n3'], 'n[1,3]'],
    [['a'], 'a'],
    [['n9', 'n10', 'n11'], 'n[9-11]'],
    [['n09', 'n10'], 'n[09-10]'],
    [['n9', 'n010'], 'n[9,010]'],
    [['r1n1', 'r1n2', 'r2n1'], 'r1n[1-2],r2n1'],
    [['b', 'a', 'b'], 'b,a,b'],
    [['n2', 'n1'], 'n[2,1]'],
  ])('%j → %s', (names, expression) => {
    expect(compressHostlist(names)).toBe(expression);
  });

  it.each([
    [['n1', 'n2', 'x', 'n3', 'n3', 'n007', 'n008', 'n9', 'n10', 'n010', '10.0.0.1', '10.0.0.2', 'a-1.b', 'z']],
    [expandHostlist('r[1-3]n[01-04],login,gpu[7-12]')],
  ])('round-trips through expandHostlist: %j', (names) => {
    expect(expandHostlist(compressHostlist(names))).toEqual(names);
  });

  it('refuses names a hostlist cannot hold', () => {
    expect(() => compressHostlist(['a,b'])).toThrow('cannot write "a,b" in a hostlist');
    expect(() => compressHostlist(['a[1]'])).toThrow(LaunchError);
    expect(() => compressHostlist([''])).toThrow(LaunchError);
  });
});
