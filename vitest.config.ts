import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests start real processes; on a 2-core machine two files at a time keep
    // them from starving each other while pure tests still run in parallel.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Test hosts (network namespaces with sshd) and a Slurm cluster over them, brought up once
    // per run for the multi-host tests when this machine allows it (root, namespaces); then the
    // check that fails the run if the tests left a job directory, segment or process behind
    // (teardowns run in reverse order: it runs after every test file).
    globalSetup: ['./test/helpers/cluster-setup.ts', './test/helpers/leftovers-setup.ts'],
  },
});
