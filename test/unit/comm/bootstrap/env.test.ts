import { describe, expect, it } from 'vitest';
import { formatRankEnv, isLaunched, parseRankEnv, type RankEnv } from '../../../../src/comm/bootstrap/env.js';
import { forcedAlgorithmsFromEnv } from '../../../../src/comm/options.js';

const good: RankEnv = {
  rank: 2,
  size: 4,
  localRank: 2,
  localSize: 4,
  jobId: 'j1',
  control: 'ipc:///tmp/x/control',
  jobDir: '/tmp/x',
  keys: '/tmp/x/keys.json',
};

describe('rank environment', () => {
  it('round-trips through formatRankEnv / parseRankEnv', () => {
    const env = formatRankEnv(good);
    expect(isLaunched(env)).toBe(true);
    expect(parseRankEnv(env)).toEqual(good);
    expect(isLaunched({})).toBe(false);
  });

  it.each([
    ['TSMPI_SIZE', 'abc', 'environment variable TSMPI_SIZE must be an integer in [1, 1048576], got "abc"'],
    ['TSMPI_SIZE', '0', 'environment variable TSMPI_SIZE must be an integer in [1, 1048576], got "0"'],
    ['TSMPI_RANK', '4', 'environment variable TSMPI_RANK must be an integer in [0, 3], got "4"'],
    ['TSMPI_RANK', '-1', 'environment variable TSMPI_RANK must be an integer in [0, 3], got "-1"'],
    ['TSMPI_RANK', '1.5', 'environment variable TSMPI_RANK must be an integer in [0, 3], got "1.5"'],
    ['TSMPI_RANK', ' ', 'environment variable TSMPI_RANK must be an integer in [0, 3], got " "'],
    ['TSMPI_LOCAL_SIZE', '5', 'environment variable TSMPI_LOCAL_SIZE must be an integer in [1, 4], got "5"'],
    ['TSMPI_LOCAL_RANK', '9', 'environment variable TSMPI_LOCAL_RANK must be an integer in [0, 3], got "9"'],
    ['TSMPI_CONTROL', '', 'environment variable TSMPI_CONTROL must be set by tsmpirun, got nothing'],
    ['TSMPI_JOB_DIR', undefined, 'environment variable TSMPI_JOB_DIR must be set by tsmpirun, got nothing'],
    ['TSMPI_KEYS', undefined, 'environment variable TSMPI_KEYS must be set by tsmpirun, got nothing'],
  ])('rejects %s=%j naming the variable and the value', (name, value, message) => {
    const env: NodeJS.ProcessEnv = { ...formatRankEnv(good), [name]: value };
    if (value === undefined) delete env[name];
    expect(() => parseRankEnv(env)).toThrow(new RangeError(message));
  });

  it('reads forced collective algorithms; auto and empty mean automatic', () => {
    expect(forcedAlgorithmsFromEnv({ TSMPI_COLL_ALLREDUCE: 'ring', TSMPI_COLL_BCAST: 'auto', TSMPI_COLL_GATHER: '' })).toEqual({ allreduce: 'ring' });
  });
});
