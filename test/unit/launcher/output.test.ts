import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { drainForwarding, forwardLines, kMaxLineBytes, LineSplitter, OutputSink } from '../../../src/launcher/output.js';

const text = (b: Buffer | undefined): string | undefined => b?.toString('utf8');

/** Feeds `chunks` to a splitter and returns everything it emitted, end() included. */
function split(chunks: string[], prefix = ''): string {
  const s = new LineSplitter(prefix);
  const out = chunks.map((c) => text(s.push(Buffer.from(c))) ?? '').join('');
  return out + (text(s.end()) ?? '');
}

describe('LineSplitter', () => {
  it('emits only complete lines, holding a partial one until its newline', () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from('hel'))).toBeUndefined();
    expect(text(s.push(Buffer.from('lo\nwor')))).toBe('hello\n');
    expect(text(s.push(Buffer.from('ld\nagain\n')))).toBe('world\nagain\n');
    expect(s.end()).toBeUndefined();
  });

  it('flushes a partial last line at the end, with a newline added', () => {
    expect(split(['a\nb'])).toBe('a\nb\n');
    expect(split(['a\n', 'b'], '[2] ')).toBe('[2] a\n[2] b\n');
  });

  it('prefixes every line, empty lines included, however the chunks fall', () => {
    const whole = 'one\n\nthree\nfour\n';
    for (let cut = 0; cut <= whole.length; cut++) {
      expect(split([whole.slice(0, cut), whole.slice(cut)], '[3] ')).toBe('[3] one\n[3] \n[3] three\n[3] four\n');
    }
    expect(split([...whole], '[0] ')).toBe('[0] one\n[0] \n[0] three\n[0] four\n');
  });

  it('keeps a line far longer than a pipe chunk whole', () => {
    const long = 'y'.repeat(1_000_000);
    const chunks = long.match(/.{1,65536}/gs)!;
    chunks[chunks.length - 1] += '\nnext\n';
    expect(split(chunks, '[1] ')).toBe(`[1] ${long}\n[1] next\n`);
  });

  it('never cuts a multi-byte character: it splits bytes only at newlines', () => {
    const bytes = Buffer.from('ünïcødé ✓\nmore ✓\n');
    const s = new LineSplitter('> ');
    const out = [...bytes].map((b) => s.push(Buffer.from([b]))).filter((b) => b !== undefined);
    expect(Buffer.concat(out).toString('utf8')).toBe('> ünïcødé ✓\n> more ✓\n');
  });

  it('passes on a line beyond kMaxLineBytes in pieces rather than buffering without bound', () => {
    const s = new LineSplitter();
    const piece = Buffer.alloc(kMaxLineBytes / 2, 'z');
    expect(s.push(piece)).toBeUndefined();
    expect(s.push(piece)).toBeUndefined();
    const out = s.push(Buffer.from('z'));
    expect(out?.length).toBe(kMaxLineBytes + 2);
    expect(out?.at(-1)).toBe(0x0a);
  });
});

/** A destination that takes `highWaterMark` bytes, then needs a drain, and records writes. */
function slowSink(highWaterMark = 16): { stream: Writable; writes: string[] } {
  const writes: string[] = [];
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, done) {
      writes.push(chunk.toString());
      setImmediate(done);
    },
  });
  return { stream, writes };
}

describe('LineSplitter, live (destination is a terminal)', () => {
  const live = (chunks: string[], prefix = ''): string[] => {
    const s = new LineSplitter(prefix, { live: true });
    return [...chunks.map((c) => text(s.push(Buffer.from(c))) ?? ''), text(s.end()) ?? ''];
  };

  it('passes a redrawing partial line on at once, and the rest of it when it ends', () => {
    expect(live(['\r10%', '\r50%', '\r100%', '\n', 'next\n'])).toEqual(['\r10%', '\r50%', '\r100%', '\n', 'next\n', '']);
    expect(live(['\x1b[1G 10%', '\x1b[1G 20%\ndone\n'])).toEqual(['\x1b[1G 10%', '\x1b[1G 20%\ndone\n', '']);
  });

  it('still holds an ordinary partial line until its newline', () => {
    expect(live(['ab', 'c\n'])).toEqual(['', 'abc\n', '']);
  });

  it('prefixes the line once and again after each carriage return', () => {
    expect(live(['a\n\r1%', '\r2%', '\n'], '[0] ')).toEqual(['[0] a\n[0] \r[0] 1%', '\r[0] 2%', '\n', '']);
  });

  it('ends a bar left without its newline with one', () => {
    expect(live(['\r99%'])).toEqual(['\r99%', '\n']);
  });
});

describe('forwardLines', () => {
  it('writes whole lines only, so concurrent sources never mix within a line', async () => {
    const { stream, writes } = slowSink();
    const sink = new OutputSink(stream);
    const sources = [0, 1, 2].map(() => new PassThrough());
    const done = sources.map((s, r) => forwardLines(s, sink, `[${r}] `));
    for (let i = 0; i < 50; i++) {
      sources.forEach((s, r) => s.write(`${r}-${i}-part`));
      sources.forEach((s) => s.write(`-rest\n`));
    }
    sources.forEach((s, r) => s.end(`${r}-tail`));
    await Promise.all(done);
    const lines = writes.join('').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(3 * 51);
    for (const r of [0, 1, 2]) {
      const mine = lines.filter((l) => l.startsWith(`[${r}] `));
      expect(mine).toEqual([...Array.from({ length: 50 }, (_, i) => `[${r}] ${r}-${i}-part-rest`), `[${r}] ${r}-tail`]);
    }
    for (const w of writes) expect(w.endsWith('\n')).toBe(true);
  });

  it('waits for a full destination to drain (backpressure) and loses nothing', async () => {
    const { stream, writes } = slowSink(1);
    const source = new PassThrough();
    const done = forwardLines(source, new OutputSink(stream));
    const expected = Array.from({ length: 500 }, (_, i) => `line ${i}\n`).join('');
    source.end(expected);
    await done;
    expect(writes.join('')).toBe(expected);
  });

  it('leaves no listeners behind however often the destination fills up', async () => {
    const { stream } = slowSink(1);
    const before = ['drain', 'close', 'error'].map((e) => stream.listenerCount(e));
    const source = new PassThrough();
    const done = forwardLines(source, new OutputSink(stream));
    for (let i = 0; i < 200; i++) source.write(`line ${i}\n`);
    source.end();
    await done;
    // OutputSink keeps one 'error' listener of its own for the sink's lifetime.
    expect(['drain', 'close', 'error'].map((e) => stream.listenerCount(e))).toEqual([before[0], before[1], before[2] + 1]);
  });

  it('discards output once the destination is broken instead of hanging', async () => {
    const broken = new Writable({
      write(_c, _e, done) {
        done(new Error('EPIPE'));
      },
    });
    const source = new PassThrough();
    const done = forwardLines(source, new OutputSink(broken));
    for (let i = 0; i < 100; i++) source.write(`line ${i}\n`);
    source.end();
    await expect(done).resolves.toBeUndefined();
  });
});

describe('drainForwarding', () => {
  it('gives up a source that stays open but silent, keeping what it delivered', async () => {
    const { stream, writes } = slowSink();
    const held = new PassThrough(); // like a pipe still held open by an escaped process
    held.write('said this\nand half');
    const forwarding = [forwardLines(held, new OutputSink(stream))];
    await drainForwarding(forwarding, [held], 50);
    expect(writes.join('')).toBe('said this\nand half\n');
  });
});
