#!/usr/bin/env node
// Builds the shared-memory transport's native part (native/shm.cc) at `npm ci`/`npm install`.
//
// Offline by design: the machines that install tsmpi reach the package registries only, so
// nothing may be downloaded here. The addon uses Node-API alone, whose headers come from the
// `node-api-headers` package (or, failing that, the headers installed beside the Node that
// runs this script), and it is one file with no dependencies, so one compiler call builds it:
// node-gyp would add Python and make and, without a full Node source layout for --nodedir,
// try to download Node's headers.
//
// It never fails the install: without a compiler (or on another OS) it records why in
// build/native-status.json and tsmpi runs every pair of ranks over ZeroMQ; `tsmpirun --info`
// says so.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'build');
const target = path.join(outDir, 'tsmpi_shm.node');
const statusFile = path.join(outDir, 'native-status.json');

function headerDirs() {
  const dirs = [];
  try {
    const pkg = path.dirname(fileURLToPath(import.meta.resolve('node-api-headers/package.json')));
    dirs.push(path.join(pkg, 'include'));
  } catch {
    // not installed: try Node's own
  }
  dirs.push(path.resolve(path.dirname(process.execPath), '..', 'include', 'node'));
  return dirs.filter((d) => existsSync(path.join(d, 'node_api.h')));
}

function record(status) {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(statusFile, JSON.stringify({ ...status, node: process.version, at: new Date().toISOString() }, null, 2) + '\n');
}

function build() {
  if (process.platform !== 'linux') return { built: false, reason: `shared memory needs Linux; this is ${process.platform}` };
  const include = headerDirs()[0];
  if (include === undefined) return { built: false, reason: 'no Node-API headers found (node-api-headers is not installed and Node has no include/node)' };
  const compiler = process.env.CXX || 'c++';
  mkdirSync(outDir, { recursive: true });
  const partial = `${target}.${process.pid}.tmp`;
  const args = [
    '-std=c++17',
    '-O2',
    '-fPIC',
    '-shared',
    '-fvisibility=hidden',
    '-Wall',
    '-Wextra',
    '-Wno-unused-parameter',
    `-I${include}`,
    '-DNAPI_VERSION=8',
    path.join(root, 'native', 'shm.cc'),
    '-o',
    partial,
  ];
  const run = spawnSync(compiler, args, { encoding: 'utf8' });
  if (run.error !== undefined || run.status !== 0) {
    const why =
      run.error !== undefined
        ? `${compiler}: ${run.error.message}`
        : `${compiler} exited with status ${run.status}: ${run.stderr.trim().split('\n').slice(0, 5).join(' / ')}`;
    return { built: false, reason: `the native part could not be compiled (${why})` };
  }
  renameSync(partial, target);
  return { built: true, compiler, include };
}

const status = build();
record(status);
if (status.built) console.log(`tsmpi: built the shared-memory transport (${path.relative(root, target)})`);
else console.warn(`tsmpi: ${status.reason}; ranks on one host will talk over ZeroMQ (see tsmpirun --info)`);
