/**
 * vitest globalSetup for multi-host tests: when this machine can make test hosts
 * (clusterSupport()), brings up hosts h1..h3 and, if it can, a Slurm cluster over them, once per
 * test run, and provides what it learned as `inject('tsmpiCluster')` (a ClusterState), so tests
 * skip at once when hosts or Slurm are not available.
 *
 * Nothing is torn down afterwards: other runs may use the hosts, and bringing them up again
 * costs seconds. Remove them by hand with  bash test/cluster/down.sh  (also stops Slurm).
 * TSMPI_TEST_CLUSTER=off skips all of it; TSMPI_TEST_CLUSTER=required fails the run instead of
 * skipping when hosts or Slurm cannot be brought up (for CI machines that must run these tests).
 */
import type { TestProject } from 'vitest/node';
import { clusterSupport, ensureHosts, ensureSlurm, type ClusterState } from './cluster.js';

export default async function setup(project: TestProject): Promise<void> {
  const support = clusterSupport();
  const state: ClusterState = { support, hosts: null, slurm: { ok: false, reason: 'no test hosts' } };
  if (!support.ok) {
    state.hostsError = support.reason;
    state.slurm = { ok: false, reason: support.reason };
  } else {
    const t0 = Date.now();
    try {
      state.hosts = await ensureHosts(3);
      state.slurm = await ensureSlurm();
    } catch (error) {
      state.hostsError = (error as Error).message;
      state.slurm = { ok: false, reason: `no test hosts: ${state.hostsError}` };
    }
    const slurm = state.slurm.ok ? 'Slurm up' : `no Slurm (${state.slurm.reason})`;
    const hosts = state.hosts ? `${state.hosts.names.join(' ')} up` : `no test hosts (${state.hostsError})`;
    console.log(`[cluster-setup] ${hosts}, ${slurm} in ${Date.now() - t0} ms; remove with: bash test/cluster/down.sh`);
  }
  if (process.env.TSMPI_TEST_CLUSTER === 'required' && (state.hosts === null || !state.slurm.ok)) {
    throw new Error(
      `TSMPI_TEST_CLUSTER=required but ${state.hosts === null ? `no test hosts: ${state.hostsError}` : `no Slurm: ${state.slurm.ok ? '' : state.slurm.reason}`}`,
    );
  }
  project.provide('tsmpiCluster', state);
}
