/**
 * `tsmpirun --info` (Open MPI's ompi_info, in short): the version, and which transports this
 * machine's installation has, with the reason when shared memory is missing.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { transportFromEnv } from '../comm/options.js';
import { loadShmNative } from '../comm/transport/shm-native.js';
import { zmqLibrary } from '../comm/transport/zmq-info.js';
import { jobDirBase } from './job-dir.js';

export function tsmpiVersion(): string {
  // ../../package.json from both dist/launcher/ and src/launcher/.
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

function zeromqJsVersion(): string {
  try {
    return (createRequire(import.meta.url)('zeromq/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The text `--info` prints; `env` is the launcher's (TSMPI_TRANSPORT as ranks would get it). */
export function infoText(env: NodeJS.ProcessEnv = process.env): string {
  const shm = loadShmNative();
  let choice: string;
  try {
    choice = transportFromEnv(env);
  } catch (error) {
    choice = `invalid (${(error as Error).message})`;
  }
  const libzmq = zmqLibrary();
  const curve = libzmq.curve ? ', CURVE encryption' : ', no CURVE in this libzmq';
  const lines = [
    `tsmpi ${tsmpiVersion()} (Node ${process.version} on ${process.platform} ${process.arch}, ${os.availableParallelism()} CPUs)`,
    'Transports:',
    shm.available
      ? `  shared memory  available: ranks on one host, segments in ${jobDirBase()} (native part ${shm.file})`
      : `  shared memory  unavailable: ${shm.reason}`,
    `  ZeroMQ         available: zeromq.js ${zeromqJsVersion()} (libzmq ${libzmq.version}); ipc on one host, tcp between hosts${curve}`,
  ];
  if (choice === 'zmq') lines.push('TSMPI_TRANSPORT=zmq: every pair of ranks uses ZeroMQ.');
  else if (choice === 'auto') {
    lines.push(
      shm.available
        ? 'TSMPI_TRANSPORT=auto (default): shared memory between ranks of one host, ZeroMQ between hosts.'
        : 'TSMPI_TRANSPORT=auto (default): ZeroMQ for every pair, shared memory being unavailable.',
    );
  } else lines.push(`TSMPI_TRANSPORT: ${choice}`);
  return lines.join('\n') + '\n';
}
