/**
 * Output and input of a job: lines from concurrent ranks never mix, long lines and partial
 * last lines survive, --tag-output attributes every line, and stdin reaches rank 0 only.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { fixture, runMpi, startOnTerminal, tempDir } from '../helpers/run-mpi.js';

/** Checks print-lines.ts output: every line intact, counts exact, each rank's lines in order. */
function checkLines(text: string, ranks: number, count: number, length: number, tagged: boolean): void {
  const lines = text.split('\n');
  expect(lines.pop()).toBe(''); // the output ends with a newline, partial last lines included
  const next = Array<number>(ranks).fill(0);
  const ends = new Set<number>();
  const body = 'x'.repeat(length);
  for (const line of lines) {
    const match = /^(?:\[(\d+)\] )?(\d+):(end|(\d+):(x*))$/.exec(line);
    expect(match, `mangled line: ${line.slice(0, 80)}…`).not.toBeNull();
    const [, tag, rankText, end, index, xs] = match!;
    const rank = Number(rankText);
    expect(tag === undefined ? undefined : Number(tag)).toBe(tagged ? rank : undefined);
    if (end === 'end') {
      ends.add(rank);
      continue;
    }
    expect(ends.has(rank)).toBe(false);
    expect(Number(index)).toBe(next[rank]++);
    expect(xs === body).toBe(true);
  }
  expect(next).toEqual(Array<number>(ranks).fill(count));
  expect(ends.size).toBe(ranks);
}

describe('output forwarding', () => {
  it('4 ranks printing thousands of lines at once: every line intact and attributed (--tag-output)', async () => {
    const run = await runMpi(['-n', '4', '--tag-output', fixture('print-lines.ts'), '3000', '300']);
    expect(run.code).toBe(0);
    checkLines(run.stdout, 4, 3000, 300, true);
    const errLines = run.stderr.trim().split('\n');
    expect(errLines).toHaveLength(4 * 300);
    for (const line of errLines) expect(line).toMatch(/^\[(\d)\] \1:err\d+$/);
  });

  it('a slow reader loses nothing: the launcher waits for its stdout to drain', async () => {
    const run = await runMpi(['-n', '3', '--tag-output', fixture('print-lines.ts'), '2000', '500'], { stdoutPauseMs: 1000 });
    expect(run.code).toBe(0);
    checkLines(run.stdout, 3, 2000, 500, true);
  });

  it('lines longer than a pipe chunk arrive whole, untagged output is unchanged', async () => {
    const run = await runMpi(['-n', '3', fixture('print-lines.ts'), '12', '200000']);
    expect(run.code).toBe(0);
    checkLines(run.stdout, 3, 12, 200_000, false);
  });

  it('the partial last line of each rank is flushed, with a newline so ranks do not share a line', async () => {
    const run = await runMpi(['-n', '2', '--tag-output', fixture('print-lines.ts'), '0', '1']);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').sort()).toEqual(['', '[0] 0:end', '[1] 1:end']);
  });
});

describe('stdin', () => {
  interface StdinLine {
    rank: number;
    length: number;
    sha256: string;
    text?: string;
  }
  const parse = (stdout: string): StdinLine[] =>
    stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as StdinLine)
      .sort((a, b) => a.rank - b.rank);

  it('reaches rank 0 only; the other ranks read end-of-file', async () => {
    const run = await runMpi(['-n', '3', fixture('echo-stdin.ts')], { input: 'alpha\nbeta' });
    expect(run.code).toBe(0);
    expect(parse(run.stdout).map((l) => [l.rank, l.text])).toEqual([
      [0, 'alpha\nbeta'],
      [1, ''],
      [2, ''],
    ]);
  });

  it('forwards a large input completely', async () => {
    const input = randomBytes(3 * 1024 * 1024);
    const run = await runMpi(['-n', '2', fixture('echo-stdin.ts')], { input });
    expect(run.code).toBe(0);
    const [rank0, rank1] = parse(run.stdout);
    expect(rank0).toMatchObject({ rank: 0, length: input.length, sha256: createHash('sha256').update(input).digest('hex') });
    expect(rank1).toMatchObject({ rank: 1, length: 0 });
  });
});

describe("a terminal on the launcher's stderr", () => {
  it("a rank's redrawn partial line (a progress bar) reaches it at once, and ranks learn its width", async () => {
    const gate = path.join(await tempDir(), 'gate');
    const run = startOnTerminal(['-n', '2', fixture('live-stderr.ts'), gate]);
    for (let waited = 0; !run.output().includes('working 1/2'); waited += 20) {
      expect(waited, `no partial line yet; output so far: ${JSON.stringify(run.output())}`).toBeLessThan(30_000);
      await delay(20);
    }
    await fs.writeFile(gate, '');
    expect(await run.closed).toBe(0);
    expect(run.output()).toContain('columns=100');
    expect(run.output()).toContain('\rworking 2/2\rdone');
  });

  it('without a terminal the partial line waits for its newline and ranks are told nothing', async () => {
    const gate = path.join(await tempDir(), 'gate');
    await fs.writeFile(gate, '');
    const run = await runMpi(['-n', '2', fixture('live-stderr.ts'), gate]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('columns=none\n');
    expect(run.stderr).toBe('\rworking 1/2\rworking 2/2\rdone\n');
  });
});
