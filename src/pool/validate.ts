/**
 * Argument checks of the task pool. Each failure names the argument and its value and is raised
 * before anything is sent.
 */
import { Errors } from '../comm/errors.js';
import type { TaskRegistry } from './types.js';

const describe = Errors.describe;

export function assertRegistry(tasks: unknown): asserts tasks is TaskRegistry {
  if (tasks === null || typeof tasks !== 'object' || Array.isArray(tasks)) {
    throw new TypeError(`tasks must be an object mapping names to functions, got ${describe(tasks)}`);
  }
  const names = Object.keys(tasks);
  if (names.length === 0) throw new TypeError('tasks must name at least one function, got an empty object');
  for (const name of names) {
    const fn = (tasks as Record<string, unknown>)[name];
    if (typeof fn !== 'function') throw new TypeError(`tasks.${name} must be a function, got ${describe(fn)}`);
  }
}

export function assertPositiveInteger(what: string, value: unknown): asserts value is number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) throw new RangeError(`${what} must be a positive integer, got ${describe(value)}`);
}

export function assertTaskName(tasks: TaskRegistry, name: unknown): asserts name is string {
  if (typeof name !== 'string' || !Object.hasOwn(tasks, name)) {
    throw new RangeError(`task name ${describe(name)} is not in the pool's registry (known: ${Object.keys(tasks).join(', ')})`);
  }
}

export function assertIterable(what: string, value: unknown): asserts value is Iterable<unknown> | AsyncIterable<unknown> {
  const v = value as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown } | null | undefined;
  if (v === null || v === undefined || (typeof v[Symbol.iterator] !== 'function' && typeof v[Symbol.asyncIterator] !== 'function')) {
    throw new TypeError(`${what} must be an iterable or async iterable, got ${describe(value)}`);
  }
}

export function assertArgsTuple(what: string, value: unknown): asserts value is unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`${what} must be an array of the task's arguments, got ${describe(value)}`);
}

export function assertOptions(what: string, value: unknown, allowed: readonly string[]): asserts value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') throw new TypeError(`${what} must be an object, got ${describe(value)}`);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new TypeError(`${what}.${key} is not an option (known: ${allowed.join(', ')})`);
  }
}

export function assertSignal(value: unknown): asserts value is AbortSignal | undefined {
  if (value !== undefined && !(value instanceof AbortSignal)) throw new TypeError(`signal must be an AbortSignal, got ${describe(value)}`);
}

export function assertBoolean(what: string, value: unknown): asserts value is boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${what} must be a boolean, got ${describe(value)}`);
}
