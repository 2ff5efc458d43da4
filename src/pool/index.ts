export { startPool, Pool } from './pool.js';
export { TaskError, TaskCancelledError, PoolClosedError } from './errors.js';
export type { MapOptions, PoolStats, StartPoolOptions, SubmitOptions, TaskArgs, TaskName, TaskRegistry, TaskResult } from './types.js';
