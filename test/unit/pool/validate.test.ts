import { describe, expect, it } from 'vitest';
import {
  assertArgsTuple,
  assertIterable,
  assertOptions,
  assertPositiveInteger,
  assertRegistry,
  assertSignal,
  assertTaskName,
} from '../../../src/pool/validate.js';

describe('pool argument checks', () => {
  it('registry: an object of functions', () => {
    expect(() => assertRegistry({ a: () => 1, b: async () => 2 })).not.toThrow();
    expect(() => assertRegistry(null)).toThrow(new TypeError('tasks must be an object mapping names to functions, got null'));
    expect(() => assertRegistry([])).toThrow(TypeError);
    expect(() => assertRegistry({})).toThrow('tasks must name at least one function, got an empty object');
    expect(() => assertRegistry({ a: () => 1, b: 7 })).toThrow(new TypeError('tasks.b must be a function, got 7'));
  });

  it('task names must be in the registry (own keys only)', () => {
    const tasks = { square: (x: number) => x * x, add: (a: number, b: number) => a + b };
    expect(() => assertTaskName(tasks, 'square')).not.toThrow();
    expect(() => assertTaskName(tasks, 'cube')).toThrow(new RangeError('task name "cube" (string) is not in the pool\'s registry (known: square, add)'));
    expect(() => assertTaskName(tasks, 'toString')).toThrow(RangeError);
    expect(() => assertTaskName(tasks, 3)).toThrow('task name 3 is not');
  });

  it('chunksize and chunksPerWorker: positive integers', () => {
    expect(() => assertPositiveInteger('chunksize', 4)).not.toThrow();
    for (const bad of [0, -1, 1.5, NaN, Infinity, '2'])
      expect(() => assertPositiveInteger('chunksize', bad)).toThrow(/^chunksize must be a positive integer, got /);
    expect(() => assertPositiveInteger('chunksPerWorker', 0)).toThrow(new RangeError('chunksPerWorker must be a positive integer, got 0'));
  });

  it('inputs must be iterable or async iterable', () => {
    expect(() => assertIterable('items', [1])).not.toThrow();
    expect(() => assertIterable('items', (async function* () {})())).not.toThrow();
    expect(() => assertIterable('items', 5)).toThrow(new TypeError('items must be an iterable or async iterable, got 5'));
    expect(() => assertIterable('items', { length: 2 })).toThrow(TypeError);
  });

  it('args tuples, option names, signals', () => {
    expect(() => assertArgsTuple('args', [1, 2])).not.toThrow();
    expect(() => assertArgsTuple('args', 3)).toThrow(new TypeError("args must be an array of the task's arguments, got 3"));
    expect(() => assertOptions('options', { chunksize: 1 }, ['chunksize', 'signal'])).not.toThrow();
    expect(() => assertOptions('options', { chunkSize: 1 }, ['chunksize', 'signal'])).toThrow(
      new TypeError('options.chunkSize is not an option (known: chunksize, signal)'),
    );
    expect(() => assertOptions('options', null, ['signal'])).toThrow(TypeError);
    expect(() => assertSignal(new AbortController().signal)).not.toThrow();
    expect(() => assertSignal(undefined)).not.toThrow();
    expect(() => assertSignal({ aborted: false })).toThrow(new TypeError('signal must be an AbortSignal, got an object'));
  });
});
