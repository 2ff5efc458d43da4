/**
 * What marks this test run's own things, so the check after the run (leftovers-setup.ts) tells
 * them from those of another run or of jobs of the same user on the same machine:
 *
 * - kRunVar, set once for the whole run: every process the tests start inherits it (test
 *   workers, tsmpirun, its ranks; ranks on other hosts too, as tsmpirun passes on TSMPI_*
 *   variables; srun tasks, as srun passes the environment on);
 * - the run tag in the names of the tests' temporary folders (testDirPrefix).
 */
import os from 'node:os';
import path from 'node:path';

export const kRunVar = 'TSMPI_TEST_RUN';

/** This run's tag ("norun" when the global setup did not run, e.g. a file run on its own). */
export const runTag = (): string => process.env[kRunVar] ?? 'norun';

/** The prefix of a temporary folder of this run, for mkdtemp: `<tmp>/tsmpi-<kind>-<run tag>-`. */
export const testDirPrefix = (kind: string): string => path.join(os.tmpdir(), `tsmpi-${kind}-${runTag()}-`);
