/**
 * A worker's serve loop: runs the chunks the driver sends, one at a time in arrival order,
 * until told to leave. Messages are read while a chunk runs (an async task yields), so a
 * cancel or terminate reaches chunks still queued here.
 */
import type { WorkerLink } from './links.js';
import { toFailure, type ChunkMessage, type ToDriver } from './protocol.js';
import type { TaskRegistry } from './types.js';

export async function serve(link: WorkerLink, tasks: TaskRegistry): Promise<void> {
  const queue: ChunkMessage[] = [];
  let leaving: 'close' | 'terminate' | undefined;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const skip = (ids: Iterable<number>): void => {
    for (const id of ids) void link.send({ t: 'skipped', id });
  };

  const reading = (async () => {
    for (;;) {
      const m = await link.recv();
      if (m.t === 'chunk') queue.push(m);
      else if (m.t === 'cancel') {
        const ids = new Set(m.ids);
        const dropped = queue.filter((c) => ids.has(c.id));
        if (dropped.length > 0) {
          queue.splice(0, queue.length, ...queue.filter((c) => !ids.has(c.id)));
          skip(dropped.map((c) => c.id));
        }
      } else {
        leaving = m.t;
        if (m.t === 'terminate') skip(queue.splice(0).map((c) => c.id));
        poke();
        return;
      }
      poke();
    }
  })();

  for (;;) {
    const chunk = queue.shift();
    if (chunk === undefined) {
      if (leaving !== undefined) break;
      await new Promise<void>((resolve) => (wake = resolve));
      continue;
    }
    await reply(link, chunk, await run(tasks, chunk));
  }
  await reading;
  await link.send({ t: 'bye' });
}

/** Runs a chunk's items in order; the first throw ends the chunk (the rest would be discarded). */
async function run(tasks: TaskRegistry, chunk: ChunkMessage): Promise<ToDriver> {
  const fn = tasks[chunk.task];
  const values: unknown[] = [];
  for (const args of chunk.args) {
    try {
      values.push(await fn(...args));
    } catch (err) {
      return { t: 'done', id: chunk.id, values, error: toFailure(err) };
    }
  }
  return { t: 'done', id: chunk.id, values };
}

/** A result that cannot be sent (a function, ...) fails its chunk instead of the worker. */
async function reply(link: WorkerLink, chunk: ChunkMessage, message: ToDriver): Promise<void> {
  try {
    await link.send(message);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    const failure = toFailure(new TypeError(`a result of task "${chunk.task}" cannot be sent back: ${err.message}`));
    await link.send({ t: 'done', id: chunk.id, values: [], error: failure });
  }
}
