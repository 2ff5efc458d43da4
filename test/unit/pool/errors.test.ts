import { describe, expect, it } from 'vitest';
import { PoolClosedError, TaskCancelledError, TaskError } from '../../../src/pool/errors.js';
import { toFailure } from '../../../src/pool/protocol.js';

describe('pool errors', () => {
  it('TaskError carries the rank, task, remote name, message and stack, and shows the remote stack', () => {
    const remote = new RangeError('bad item 3');
    const e = new TaskError(2, 'fail', toFailure(remote));
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ name: 'TaskError', rank: 2, task: 'fail', remoteName: 'RangeError', remoteMessage: 'bad item 3', remoteStack: remote.stack });
    expect(e.message).toBe('task "fail" failed on rank 2: RangeError: bad item 3');
    expect(e.stack).toContain('remote stack (rank 2):\n    RangeError: bad item 3');
  });

  it('a thrown non-Error still travels with a readable message', () => {
    expect(toFailure('oops')).toEqual({ name: 'Error', message: 'non-Error thrown: oops', stack: 'non-Error thrown: oops' });
  });

  it('cancellation is an AbortError with the reason; a closed pool names the method', () => {
    const c = new TaskCancelledError('the call was aborted: stop', 'stop');
    expect([c.name, c.reason, c instanceof Error]).toEqual(['AbortError', 'stop', true]);
    expect(new PoolClosedError('map').message).toBe('pool.map: the pool is closed');
  });
});
