import { describe, expect, it } from 'vitest';
import { exitStatusForLaunchError, LaunchError, UsageError } from '../../../src/launcher/errors.js';
import { reportText, usageText } from '../../../src/launcher/help.js';
import type { JobResult } from '../../../src/launcher/job.js';
import { exitStatusOf, type JobEnd } from '../../../src/launcher/supervise.js';

const result = (end: JobEnd, stopped = 3): JobResult => ({ end, exitStatus: exitStatusOf(end), stopped, size: 4 });

describe('how a job ended: exit status and diagnostic', () => {
  it.each<[JobEnd, number, string]>([
    [{ kind: 'ok' }, 0, ''],
    [{ kind: 'exit', rank: 1, pid: 1234, exitCode: 3 }, 3, 'tsmpirun: rank 1 (pid 1234) exited with code 3\ntsmpirun: stopped the other 3 ranks\n'],
    [
      { kind: 'signal', rank: 1, pid: 1234, signal: 'SIGKILL' },
      137,
      'tsmpirun: rank 1 (pid 1234) was killed by signal SIGKILL\ntsmpirun: stopped the other 3 ranks\n',
    ],
    [
      { kind: 'signal', rank: 0, pid: 9, signal: 'SIGSEGV' },
      139,
      'tsmpirun: rank 0 (pid 9) was killed by signal SIGSEGV\ntsmpirun: stopped the other 3 ranks\n',
    ],
    [
      { kind: 'exception', rank: 2, pid: 1234, stack: 'Error: boom\n    at main (prog.ts:3:9)' },
      1,
      'tsmpirun: rank 2 (pid 1234) failed with an uncaught exception:\nError: boom\n    at main (prog.ts:3:9)\ntsmpirun: stopped the other 3 ranks\n',
    ],
    [
      { kind: 'rejection', rank: 2, pid: 1234, stack: '42' },
      1,
      'tsmpirun: rank 2 (pid 1234) failed with an unhandled rejection:\n42\ntsmpirun: stopped the other 3 ranks\n',
    ],
    [{ kind: 'abort', rank: 2, pid: 1234, code: 5 }, 5, 'tsmpirun: rank 2 (pid 1234) called abort(5)\ntsmpirun: stopped the other 3 ranks\n'],
    [{ kind: 'abort', rank: 2, pid: 1234, code: 300 }, 1, 'tsmpirun: rank 2 (pid 1234) called abort(300)\ntsmpirun: stopped the other 3 ranks\n'],
    [
      { kind: 'not-joined', rank: 1, pid: 77 },
      1,
      'tsmpirun: rank 1 (pid 77) exited before joining the job, so the ranks that joined cannot go on\ntsmpirun: stopped the other 3 ranks\n',
    ],
    [
      { kind: 'spawn', rank: 3, error: new Error('spawn EAGAIN') },
      1,
      'tsmpirun: rank 3 could not be started: spawn EAGAIN\ntsmpirun: stopped the other 3 ranks\n',
    ],
    [{ kind: 'timeout', seconds: 2.5 }, 124, 'tsmpirun: job timed out after 2.5 s\ntsmpirun: stopped 3 ranks\n'],
    [{ kind: 'interrupted', signal: 'SIGINT' }, 130, 'tsmpirun: received SIGINT\ntsmpirun: stopped 3 ranks\n'],
    [{ kind: 'interrupted', signal: 'SIGTERM' }, 143, 'tsmpirun: received SIGTERM\ntsmpirun: stopped 3 ranks\n'],
    [{ kind: 'interrupted', signal: 'SIGHUP' }, 129, 'tsmpirun: received SIGHUP\ntsmpirun: stopped 3 ranks\n'],
  ])('%j → status %i', (end, status, text) => {
    expect(exitStatusOf(end)).toBe(status);
    expect(reportText(result(end))).toBe(text);
  });

  it('says "rank" for one stopped rank and nothing when none was running', () => {
    expect(reportText(result({ kind: 'exit', rank: 0, pid: 1, exitCode: 2 }, 1))).toBe(
      'tsmpirun: rank 0 (pid 1) exited with code 2\ntsmpirun: stopped the other rank\n',
    );
    expect(reportText(result({ kind: 'timeout', seconds: 1 }, 1))).toBe('tsmpirun: job timed out after 1 s\ntsmpirun: stopped 1 rank\n');
    expect(reportText(result({ kind: 'exit', rank: 0, pid: 1, exitCode: 2 }, 0))).toBe('tsmpirun: rank 0 (pid 1) exited with code 2\n');
  });
});

describe('errors before the job starts', () => {
  it('exit 2 for mistakes in the command line, hostfile or program; 1 otherwise', () => {
    expect(exitStatusForLaunchError(new UsageError('x'))).toBe(2);
    for (const code of ['ERR_HOSTFILE', 'ERR_PROGRAM', 'ERR_SLOTS', 'ERR_REMOTE_HOST'] as const) {
      expect(exitStatusForLaunchError(new LaunchError(code, 'x'))).toBe(2);
    }
    for (const code of ['ERR_SPAWN', 'ERR_CONTROL'] as const) expect(exitStatusForLaunchError(new LaunchError(code, 'x'))).toBe(1);
  });

  it('usage errors end with the hint to --help', () => {
    expect(usageText('-n must be a positive integer, got "abc"')).toBe(
      'tsmpirun: -n must be a positive integer, got "abc"\nRun \'tsmpirun --help\' for usage.\n',
    );
  });

  it('keeps facts and causes on LaunchError', () => {
    const cause = new Error('EACCES');
    const error = new LaunchError('ERR_RANK_FAILED', 'rank 1 failed', { cause, rank: 1, pid: 5, exitCode: 3, signal: 'SIGTERM', host: 'h' });
    expect(error).toMatchObject({ name: 'LaunchError', code: 'ERR_RANK_FAILED', rank: 1, pid: 5, exitCode: 3, signal: 'SIGTERM', host: 'h', cause });
    expect(new UsageError('bad')).toMatchObject({ name: 'UsageError', code: 'ERR_USAGE' });
  });
});
