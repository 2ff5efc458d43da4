/**
 * Builds COMM_WORLD: from the launcher's environment, bind this rank's socket, tell the
 * launcher where it listens, learn where every other rank listens, and wrap it all in a
 * Communicator. Without a launcher the world is this process alone (singleton mode).
 */
import os from 'node:os';
import path from 'node:path';
import { controlClient } from './bootstrap/control-client.js';
import { isLaunched, parseRankEnv, type RankEnv } from './bootstrap/env.js';
import { clientOptions, readKeyFile, serverOptions } from './bootstrap/keys.js';
import { Communicator } from './communicator.js';
import { recordRecv, recordSend, recording } from './diagnostics/recorder.js';
import { kWorldContext } from './constants.js';
import { MpiError } from './errors.js';
import { bindFromEnv, forcedAlgorithmsFromEnv, receiveBufferFromEnv, spinFromEnv, transportFromEnv } from './options.js';
import { kDefaultReceiveBuffer, windowPerPeer } from './p2p/flow-window.js';
import { P2PEngine } from './p2p/p2p-engine.js';
import { HostAwareTransport } from './transport/host-aware-transport.js';
import { loadShmNative } from './transport/shm-native.js';
import { ShmTransport } from './transport/shm-transport.js';
import { SharedHost } from './shared/shared-host.js';
import { ZmqTransport } from './transport/zmq-transport.js';

export interface World {
  comm: Communicator;
  engine: P2PEngine;
}

export async function initWorld(env: NodeJS.ProcessEnv = process.env): Promise<World> {
  const loading = performance.timeOrigin + performance.now();
  const algorithms = forcedAlgorithmsFromEnv(env);
  if (!isLaunched(env)) {
    const engine = new P2PEngine(0, 1, undefined);
    return { engine, comm: new Communicator({ engine, group: [0], rank: 0, ctx: kWorldContext, algorithms }) };
  }
  const rankEnv = parseRankEnv(env);
  const receiveBuffer = receiveBufferFromEnv(env);
  const { rank, size } = rankEnv;
  // The job secret (bootstrap/keys.ts): CURVE on the data plane unless the launcher turned
  // encryption off for a trusted single-host run (ipc in the private job directory only).
  const keys = readKeyFile(rankEnv.keys!);
  const curve = keys.encryption === 'on' ? { server: serverOptions(keys), client: clientOptions(keys) } : undefined;
  const bindAddresses = [`ipc://${path.join(rankEnv.jobDir, String(rank))}`];
  if (rankEnv.address !== undefined) bindAddresses.push(`tcp://${rankEnv.address}:*`);
  // Unencrypted, the data plane still authenticates: the job password (a secret of the key file).
  const zmq = await ZmqTransport.bind({ rank, size, bindAddresses, curve, password: keys.clientSecretKey });
  const transport = new HostAwareTransport(rank, zmq, sharedMemory(env, rankEnv));
  const client = controlClient();
  if (client === undefined) throw new MpiError('ERR_BOOTSTRAP', 'rank started by tsmpirun but no control connection could be made');
  const { endpoints, hosts } = await client.hello(transport.endpoint, rankEnv.node ?? os.hostname(), { started: performance.timeOrigin, loading });
  if (endpoints.length !== size) throw new MpiError('ERR_BOOTSTRAP', `the launcher's directory lists ${endpoints.length} ranks, expected ${size}`);
  transport.setDirectory(endpoints, hosts);
  const recorder = recording ? { recordSend, recordRecv } : undefined;
  const engine = new P2PEngine(rank, size, transport, { windowPerPeer: windowPerPeer(receiveBuffer ?? kDefaultReceiveBuffer, size), recorder });
  // A rank that ends without receiving some rendezvous messages releases their senders.
  process.on('beforeExit', () => engine.declineUnreceived());
  const group = Array.from({ length: size }, (_, i) => i);
  const host = new SharedHost(hosts.length === size ? hosts : new Array<string>(size).fill(rankEnv.node ?? os.hostname()), rankEnv.jobDir);
  return { engine, comm: new Communicator({ engine, group, rank, ctx: kWorldContext, algorithms, host }) };
}

/**
 * This rank's shared-memory segment, made before the rank says hello so that it exists when
 * any peer learns of it; undefined when the host has no other rank of the job, TSMPI_TRANSPORT
 * is zmq, or the native part is missing (then ZeroMQ carries everything; --info says why).
 */
function sharedMemory(env: NodeJS.ProcessEnv, rankEnv: RankEnv): ShmTransport | undefined {
  const { rank, jobDir: dir, localRank, localSize } = rankEnv;
  if (localSize < 2 || transportFromEnv(env) === 'zmq') return undefined;
  const shm = loadShmNative();
  if (!shm.available) return undefined;
  const spin = spinFromEnv(env, localSize, os.availableParallelism());
  if (!spin.yield && bindFromEnv(env) === 'core') shm.native.bindToCpu(localRank);
  return ShmTransport.create(shm.native, { rank, dir, slots: localSize, spinUs: spin.us, yieldWhilePolling: spin.yield });
}
