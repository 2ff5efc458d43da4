import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { programLoader } from '../../../src/launcher/ts-loader/choose.js';
import { testDirPrefix } from '../../helpers/run-tag.js';

const root = fs.mkdtempSync(testDirPrefix('loader'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function project(name: string, files: Record<string, string>): string {
  const dir = path.join(root, name);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

describe('which loader a rank program gets', () => {
  it('JavaScript needs none', () => {
    expect(programLoader('/x/prog.js')).toBe('none');
    expect(programLoader('/x/prog.mjs')).toBe('none');
  });

  it('TypeScript in an ES module package: the light loader', () => {
    const dir = project('esm', { 'package.json': '{"type":"module"}', 'tsconfig.json': '{"compilerOptions":{"strict":true}}', 'src/a.ts': '' });
    expect(programLoader(path.join(dir, 'src/a.ts'), {})).toBe('light');
    expect(programLoader(path.join(dir, 'src/a.mts'), {})).toBe('light');
  });

  it('tsx where the light loader is not enough: CommonJS package, .cts, .tsx, tsconfig paths or comments, or asked for', () => {
    const cjs = project('cjs', { 'package.json': '{}', 'a.ts': '' });
    expect(programLoader(path.join(cjs, 'a.ts'), {})).toBe('tsx');
    expect(programLoader(path.join(cjs, 'a.mts'), {})).toBe('light');
    const esm = project('esm2', { 'package.json': '{"type":"module"}', 'a.ts': '' });
    expect(programLoader(path.join(esm, 'a.ts'), {})).toBe('light');
    expect(programLoader(path.join(esm, 'a.cts'), {})).toBe('tsx');
    expect(programLoader(path.join(esm, 'a.tsx'), {})).toBe('tsx');
    expect(programLoader(path.join(esm, 'a.ts'), { TSMPI_TS_LOADER: 'tsx' })).toBe('tsx');
    const paths = project('paths', { 'package.json': '{"type":"module"}', 'tsconfig.json': '{"compilerOptions":{"paths":{"@/*":["src/*"]}}}', 'a.ts': '' });
    expect(programLoader(path.join(paths, 'a.ts'), {})).toBe('tsx');
    const comments = project('comments', { 'package.json': '{"type":"module"}', 'tsconfig.json': '{ // tuned\n}', 'a.ts': '' });
    expect(programLoader(path.join(comments, 'a.ts'), {})).toBe('tsx');
  });
});
