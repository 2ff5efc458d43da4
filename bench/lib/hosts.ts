// Two test hosts for the step "p2p between two hosts": the network-namespace hosts of the
// tests (test/helpers/cluster.ts, test/cluster/*.sh, the same state directory and lock), so a
// run of the bench and a run of the tests share them. Hosts the tests started are used as they
// are; hosts started here are left running, as the tests leave theirs (test/cluster/down.sh
// removes them). Not available (not root, no network namespaces, TSMPI_TEST_CLUSTER=off, up.sh
// failed): the step is skipped with a note.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { clusterSupport, ensureHosts, kClusterScripts } from '../../test/helpers/cluster.js';

export interface TwoHosts {
  /** h1, h2: network namespaces (one rank or one end on each). */
  names: string[];
  /** Their addresses on the test network (10.213.7.1, .2). */
  addresses: string[];
  /** `ssh -F ssh_config` wrapper, for tsmpirun --launch-agent. */
  sshProgram: string;
  /** test/cluster/on.sh: `bash on.sh HOST CMD...` runs CMD inside the host without ssh. */
  onHost: string;
  /** The hosts' sshd listeners: ranks started over ssh are their descendants, not the bench's. */
  sshdPids: () => number[];
}

const kState = process.env.TEST_CLUSTER_DIR ?? '/run/tsmpi-test-cluster';

let cached: Promise<TwoHosts | string> | undefined;

/** The first two test hosts, started if need be (ensureHosts(3), as the tests ask); or why not. */
export function twoHosts(): Promise<TwoHosts | string> {
  cached ??= (async () => {
    const support = clusterSupport();
    if (!support.ok) return `test hosts unavailable: ${support.reason}`;
    try {
      // Three, as the tests ask: up.sh N removes hosts beyond N, so asking for fewer than the
      // tests use could take one away from them when the hosts have to be (re)started.
      const h = await ensureHosts(3);
      const names = h.names.slice(0, 2);
      return {
        names,
        addresses: h.addresses.slice(0, 2),
        sshProgram: h.sshProgram,
        onHost: path.join(kClusterScripts, 'on.sh'),
        sshdPids: () =>
          names.flatMap((n) => {
            try {
              const pid = Number(readFileSync(path.join(kState, 'hosts', n, 'sshd.pid'), 'utf8').trim());
              return pid > 0 ? [pid] : [];
            } catch {
              return [];
            }
          }),
      };
    } catch (e) {
      return `test hosts could not be started: ${String(e).split('\n')[0]}`;
    }
  })();
  return cached;
}
