/**
 * The root directory of this tsmpi installation (where its package.json is). Found by walking
 * up from this module rather than by a fixed `../..`: the module runs at different depths, as
 * dist/comm/package-root.js, as src/comm/package-root.ts under tsx, and inside the one-file
 * rank bundle dist/tsmpi.js (scripts/bundle.mjs).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'tsmpi') return dir;
    } catch {
      // not here: go up
    }
    if (path.dirname(dir) === dir) return path.resolve(from, '..', '..');
  }
}

export const kPackageRoot = findRoot(path.dirname(fileURLToPath(import.meta.url)));
