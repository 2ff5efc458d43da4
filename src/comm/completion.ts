/**
 * The key under which a Request exposes the promise it settles with, so the hang report and
 * the recorder can watch a nonblocking call without waiting on it (a `then()` is a wait). Its
 * own module: request.ts and diagnostics/waits.ts both need it and neither imports the other.
 */
export const kCompletion = Symbol('tsmpi.request.completion');
