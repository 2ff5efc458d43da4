import { describe, it, expect } from 'vitest';
import { createOp, toOp } from '../../../../src/comm/ops/create.js';
import { SUM, MAXLOC } from '../../../../src/comm/ops/builtin.js';
import type { Op } from '../../../../src/comm/ops/op.js';
import { Errors } from '../../../../src/comm/errors.js';

const TAKES = 'must be a built-in operation such as SUM or a function (a, b) => c, got';

describe('createOp', () => {
  it('calls the function with (lower, higher) and returns its result', () => {
    const calls: unknown[][] = [];
    const concat = createOp((a: string, b: string) => {
      calls.push([a, b]);
      return a + b;
    });
    expect(concat.apply('lo', 'hi')).toBe('lohi');
    expect(calls).toStrictEqual([['lo', 'hi']]);
  });

  it('is non-commutative unless told otherwise', () => {
    expect(createOp((a, _b) => a).commutative).toBe(false);
    expect(createOp((a, _b) => a, {}).commutative).toBe(false);
    expect(createOp((a, _b) => a, { commutative: false }).commutative).toBe(false);
    expect(createOp((a, _b) => a, { commutative: true }).commutative).toBe(true);
  });

  it('is named after the function, or generically when it has no name', () => {
    function gcd(a: number, b: number): number {
      return b === 0 ? a : gcd(b, a % b);
    }
    expect(createOp(gcd).name).toBe('gcd');
    expect(createOp((a, _b) => a).name).toBe('user-defined op');
  });

  it('accepts any operand in check, leaving validation to the function', () => {
    const op = createOp((a, b) => [a, b]);
    for (const value of ['x', undefined, null, {}, [1, 'a'], 1n, Symbol('s')]) {
      expect(() => op.check(value)).not.toThrow();
    }
  });

  it('lets errors from the function through', () => {
    const op = createOp(() => {
      throw new RangeError('boom');
    });
    expect(() => op.apply(1, 2)).toThrow(new RangeError('boom'));
  });

  it('gives a frozen Op', () => {
    expect(Object.isFrozen(createOp((a, _b) => a))).toBe(true);
  });

  it('rejects a non-function and a non-boolean commutative', () => {
    expect(() => createOp(42 as never)).toThrow(new TypeError('createOp: fn must be a function (a, b) => c, got 42'));
    expect(() => createOp((a, _b) => a, { commutative: 'yes' as never })).toThrow(new TypeError('createOp: commutative must be a boolean, got "yes" (string)'));
  });
});

describe('toOp', () => {
  it('returns built-in ops and created ops as they are', () => {
    expect(toOp(SUM)).toBe(SUM);
    expect(toOp(MAXLOC)).toBe(MAXLOC);
    const op = createOp((a, _b) => a, { commutative: true });
    expect(toOp(op)).toBe(op);
  });

  it('accepts any object implementing Op', () => {
    const custom: Op = { name: 'FIRST', commutative: false, apply: (a) => a, check: () => {} };
    expect(toOp(custom)).toBe(custom);
  });

  it('wraps a plain function as a non-commutative op', () => {
    const op = toOp((a: number, b: number) => a - b);
    expect(op.commutative).toBe(false);
    expect(op.apply(10, 3)).toBe(7);
    expect(() => op.check('anything')).not.toThrow();
  });

  it('rejects anything else with a TypeError naming the value', () => {
    expect(() => toOp('sum' as never)).toThrow(new TypeError(`op ${TAKES} "sum" (string)`));
    expect(() => toOp(42 as never)).toThrow(new TypeError(`op ${TAKES} 42`));
    expect(() => toOp(null as never)).toThrow(new TypeError(`op ${TAKES} null`));
    expect(() => toOp(undefined as never)).toThrow(new TypeError(`op ${TAKES} undefined`));
    expect(() => toOp(new Map() as never)).toThrow(new TypeError(`op ${TAKES} a Map`));
    expect(() => toOp({} as never)).toThrow(new TypeError(`op ${TAKES} ${Errors.describe({})}`));
    // Half an Op is not an Op.
    expect(() => toOp({ apply: () => 1 } as never)).toThrow(TypeError);
    expect(() => toOp({ name: 'X', commutative: 'yes', apply: () => 1, check: () => {} } as never)).toThrow(TypeError);
  });

  it('names the argument it was given', () => {
    expect(() => toOp(7 as never, 'reducer')).toThrow(new TypeError(`reducer ${TAKES} 7`));
  });
});
