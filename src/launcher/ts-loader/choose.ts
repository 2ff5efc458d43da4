/**
 * How a rank runs its program: plain node for JavaScript; for TypeScript, the project's own
 * light loader (./hooks.ts: cached esbuild output, ~0.1 s per rank) where it is enough, tsx
 * (a complete TypeScript runtime, ~0.4 s per rank to load) everywhere else: .cts and .tsx
 * files, CommonJS packages, tsconfig `paths`, or TSMPI_TS_LOADER=tsx.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type ProgramLoader = 'none' | 'light' | 'tsx';

const kLight = /\.(ts|mts)$/i;
const kAnyTs = /\.(ts|mts|cts|tsx)$/i;

/** The nearest `name` file at or above `dir`, parsed; null when there is none, undefined when it cannot be parsed. */
function nearest(dir: string, name: string): Record<string, unknown> | null | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      return JSON.parse(readFileSync(path.join(d, name), 'utf8')) as Record<string, unknown>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
    }
    if (path.dirname(d) === d) return null;
  }
}

export function programLoader(program: string, env: NodeJS.ProcessEnv = process.env): ProgramLoader {
  if (!kAnyTs.test(program)) return 'none';
  if (env.TSMPI_TS_LOADER === 'tsx' || !kLight.test(program)) return 'tsx';
  const dir = path.dirname(program);
  const esm = /\.mts$/i.test(program) || nearest(dir, 'package.json')?.type === 'module';
  // tsconfig.json may hold comments, which JSON.parse refuses: then tsx, which reads it properly.
  const tsconfig = nearest(dir, 'tsconfig.json');
  const paths = tsconfig === undefined || (tsconfig?.compilerOptions as { paths?: unknown } | undefined)?.paths !== undefined;
  return esm && !paths ? 'light' : 'tsx';
}
