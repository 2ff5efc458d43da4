/**
 * Installs the light TypeScript loader (./hooks.ts) in a rank. Where Node has synchronous
 * in-thread hooks (module.registerHooks, Node 22.15+ and 23.5+) they are used: module.register
 * runs hooks on a thread of their own, which costs every rank ~50 ms of CPU to start and a
 * round trip to it for every module resolved and loaded.
 */
import * as nodeModule from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { setSourceMapsEnabled } from 'node:process';

type RegisterHooks = (hooks: { resolve: unknown; load: unknown }) => void;

const data = { cacheDir: path.join(os.tmpdir(), `tsmpi-ts-${process.getuid?.() ?? 'user'}`) };
const registerHooks = (nodeModule as unknown as { registerHooks?: RegisterHooks }).registerHooks;
const ext = path.extname(new URL(import.meta.url).pathname);
if (registerHooks !== undefined) {
  const hooks = (await import(`./hooks${ext}`)) as typeof import('./hooks.js');
  hooks.initialize(data);
  registerHooks({ resolve: hooks.resolveSync, load: hooks.loadSync });
} else {
  nodeModule.register(`./hooks${ext}`, import.meta.url, { data });
}
setSourceMapsEnabled(true);
