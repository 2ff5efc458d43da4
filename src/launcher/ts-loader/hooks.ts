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
import { createRequire } from 'node:module';
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

type Next<A extends unknown[], R> = (...args: A) => R;
interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
interface LoadResult {
  format: string;
  source?: string | Buffer;
  shortCircuit?: boolean;
}
type ResolveContext = { parentURL?: string };
type LoadContext = { format?: string | null };

/** `./x.js` naming `./x.ts` (and `./x`, `./dir`): the candidates tried after Node's own resolution failed. */
function candidatesFor(specifier: string, error: unknown): string[] {
  const code = (error as { code?: string }).code;
  const relative = specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:');
  if (code !== 'ERR_MODULE_NOT_FOUND' || !relative) throw error;
  return /\.(m?js)$/.test(specifier) ? [specifier.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts')] : [`${specifier}.ts`, `${specifier}/index.ts`];
}

export async function resolve(
  specifier: string,
  context: ResolveContext,
  next: Next<[string, ResolveContext], Promise<ResolveResult>>,
): Promise<ResolveResult> {
  try {
    return await next(specifier, context);
  } catch (error) {
    for (const c of candidatesFor(specifier, error)) {
      try {
        return await next(c, context);
      } catch {
        // try the next
      }
    }
    throw error;
  }
}

/** resolve() for module.registerHooks (Node 22.15+): the same, synchronous, in the rank's own thread. */
export function resolveSync(specifier: string, context: ResolveContext, next: Next<[string, ResolveContext], ResolveResult>): ResolveResult {
  try {
    return next(specifier, context);
  } catch (error) {
    for (const c of candidatesFor(specifier, error)) {
      try {
        return next(c, context);
      } catch {
        // try the next
      }
    }
    throw error;
  }
}

interface Compiled {
  code?: string;
  cached?: string;
  file: string;
}

/** The cached JavaScript of a .ts/.mts file, or where to store it once compiled. */
function fromCache(url: string): Compiled {
  const file = fileURLToPath(url);
  const stat = statSync(file);
  const key = createHash('sha1').update(`${kVersion}\0${file}\0${stat.size}\0${stat.mtimeMs}`).digest('hex');
  const cached = cacheDir === undefined ? undefined : path.join(cacheDir, `${key}.mjs`);
  try {
    if (cached !== undefined) return { code: readFileSync(cached, 'utf8'), file };
  } catch {
    // Not compiled yet.
  }
  return { cached, file };
}

function store(cached: string | undefined, code: string): void {
  if (cached === undefined) return;
  // Whole or not at all: ranks starting together may compile the same file at once.
  const partial = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    writeFileSync(partial, code, { mode: 0o600 });
    renameSync(partial, cached);
  } catch {
    // A full disk only costs the next rank a compile.
  }
}

const kTransformOptions = (file: string) => ({ loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline', sourcefile: file }) as const;

export async function load(url: string, context: LoadContext, next: Next<[string, LoadContext], Promise<LoadResult>>): Promise<LoadResult> {
  if (!url.startsWith('file:') || !kTs.test(url)) return next(url, context);
  const found = fromCache(url);
  if (found.code !== undefined) return { format: 'module', source: found.code, shortCircuit: true };
  const { transform } = await import('esbuild');
  const { code } = await transform(readFileSync(found.file, 'utf8'), kTransformOptions(found.file));
  store(found.cached, code);
  return { format: 'module', source: code, shortCircuit: true };
}

/** load() for module.registerHooks: esbuild's synchronous API on a cache miss. */
export function loadSync(url: string, context: LoadContext, next: Next<[string, LoadContext], LoadResult>): LoadResult {
  if (!url.startsWith('file:') || !kTs.test(url)) return next(url, context);
  const found = fromCache(url);
  if (found.code !== undefined) return { format: 'module', source: found.code, shortCircuit: true };
  const { transformSync } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const { code } = transformSync(readFileSync(found.file, 'utf8'), kTransformOptions(found.file));
  store(found.cached, code);
  return { format: 'module', source: code, shortCircuit: true };
}
