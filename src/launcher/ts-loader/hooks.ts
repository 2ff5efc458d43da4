/**
 * Module hooks that run TypeScript ranks without loading a full TypeScript runtime in every
 * rank: a .ts/.mts module's JavaScript comes from a per-user cache keyed by the file's path,
 * size and modification time; on a miss it is made once with esbuild (loaded only then) and
 * stored, so every later rank and job on this host reuses it. Resolution accepts what
 * TypeScript's NodeNext accepts: `./x.js` naming `./x.ts`.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Data {
  cacheDir: string;
}
/** Where compiled modules are kept; undefined: compile in memory every time. */
let cacheDir: string | undefined;
const kVersion = '1';
const kTs = /\.(m?ts)$/;

/**
 * The cache is code this user's ranks run, so it is used only in a real directory that this
 * user owns and nobody else may enter (another user could have made the path in /tmp first).
 */
export function initialize(data: Data): void {
  try {
    mkdirSync(data.cacheDir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(data.cacheDir);
    const uid = process.getuid?.();
    if (stat.isDirectory() && (stat.mode & 0o077) === 0 && (uid === undefined || stat.uid === uid)) cacheDir = data.cacheDir;
  } catch {
    // No cache: every rank compiles what it loads.
  }
}

type Next<A extends unknown[], R> = (...args: A) => Promise<R>;
interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}

export async function resolve(
  specifier: string,
  context: { parentURL?: string },
  next: Next<[string, { parentURL?: string }], ResolveResult>,
): Promise<ResolveResult> {
  try {
    return await next(specifier, context);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const relative = specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:');
    if (code !== 'ERR_MODULE_NOT_FOUND' || !relative) throw error;
    const candidates = /\.(m?js)$/.test(specifier)
      ? [specifier.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts')]
      : [`${specifier}.ts`, `${specifier}/index.ts`];
    for (const c of candidates) {
      try {
        return await next(c, context);
      } catch {
        // try the next
      }
    }
    throw error;
  }
}

export async function load(
  url: string,
  context: { format?: string | null },
  next: Next<[string, { format?: string | null }], { format: string; source?: string | Buffer; shortCircuit?: boolean }>,
): Promise<{ format: string; source?: string | Buffer; shortCircuit?: boolean }> {
  if (!url.startsWith('file:') || !kTs.test(url)) return next(url, context);
  const file = fileURLToPath(url);
  const stat = statSync(file);
  const key = createHash('sha1').update(`${kVersion}\0${file}\0${stat.size}\0${stat.mtimeMs}`).digest('hex');
  const cached = cacheDir === undefined ? undefined : path.join(cacheDir, `${key}.mjs`);
  try {
    if (cached !== undefined) return { format: 'module', source: readFileSync(cached, 'utf8'), shortCircuit: true };
  } catch {
    // Not compiled yet.
  }
  const { transform } = await import('esbuild');
  const { code } = await transform(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline', sourcefile: file });
  if (cached !== undefined) {
    // Whole or not at all: ranks starting together may compile the same file at once.
    const partial = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    try {
      writeFileSync(partial, code, { mode: 0o600 });
      renameSync(partial, cached);
    } catch {
      // A full disk only costs the next rank a compile.
    }
  }
  return { format: 'module', source: code, shortCircuit: true };
}
