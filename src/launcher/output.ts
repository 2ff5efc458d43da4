/**
 * Rank output forwarding (Open MPI's iof). A rank's pipe delivers arbitrary chunks; the
 * launcher writes only whole lines, one `write` per batch of complete lines, so lines of two
 * ranks can never mix however the chunks interleave. Works on bytes: splitting at 0x0A never
 * cuts a UTF-8 character. readline is not used because it drops the distinction between a
 * final partial line and a complete one, and decodes text it only needs to pass through.
 */
import type { Readable, Writable } from 'node:stream';

/**
 * A line longer than this is passed on in pieces (each ended with a newline) so a rank that
 * never prints a newline cannot make the launcher buffer without bound.
 */
export const kMaxLineBytes = 16 * 1024 * 1024;

const kNewline = 0x0a;
const kCarriageReturn = 0x0d;
const kEscape = 0x1b;

/** Whether `part` redraws its line in place (a carriage return or a terminal control sequence). */
function redrawsLine(part: Buffer): boolean {
  return part.includes(kCarriageReturn) || part.includes(kEscape);
}

/**
 * Turns a byte stream into complete lines, each optionally prefixed (`[3] `).
 *
 * ```ts
 * const s = new LineSplitter('[1] ');
 * s.push(Buffer.from('a\nb'));  // "[1] a\n"
 * s.end();                      // "[1] b\n"  (the partial last line, newline added)
 * ```
 */
export class LineSplitter {
  readonly #prefix: Buffer;
  readonly #live: boolean;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** The start of the current line (and its prefix) has already been passed on (live mode). */
  #midLine = false;

  /**
   * `live`: a partial line that redraws itself (`\r` or an escape sequence, as a progress bar
   * writes) is passed on at once instead of waiting for its newline, so a terminal shows it
   * as it changes. Only for a destination that is a terminal: another rank's line can then
   * land after a half-drawn bar, which the bar's next redraw covers.
   */
  constructor(prefix = '', options: { live?: boolean } = {}) {
    this.#prefix = Buffer.from(prefix);
    this.#live = options.live ?? false;
  }

  /** Adds a chunk; returns every line it completes (prefixed, newline kept), or undefined. */
  push(chunk: Buffer): Buffer | undefined {
    const last = chunk.lastIndexOf(kNewline);
    if (last < 0) {
      this.#hold(chunk);
      if (this.#live && redrawsLine(chunk)) return this.#passPartial();
      return this.#pendingBytes > kMaxLineBytes ? this.end() : undefined;
    }
    const complete = this.#prefixed(this.#take(chunk.subarray(0, last + 1)));
    this.#midLine = false;
    const rest = chunk.subarray(last + 1);
    if (rest.length === 0) return complete;
    this.#hold(rest);
    if (!this.#live || !redrawsLine(rest)) return complete;
    const partial = this.#passPartial();
    return Buffer.concat([complete, partial]);
  }

  /** Returns the partial last line with a newline added (so the next line starts clean), or undefined. */
  end(): Buffer | undefined {
    if (this.#pendingBytes === 0) {
      if (!this.#midLine) return undefined;
      this.#midLine = false;
      return Buffer.from('\n');
    }
    const line = this.#prefixed(this.#take(Buffer.from('\n')));
    this.#midLine = false;
    return line;
  }

  /** The held partial line, passed on now; a redraw (`\r`) starts again with the prefix. */
  #passPartial(): Buffer {
    const part = this.#take(Buffer.alloc(0));
    const head = this.#midLine ? [] : [this.#prefix];
    this.#midLine = true;
    if (this.#prefix.length === 0) return Buffer.concat([...head, part]);
    const pieces: Buffer[] = head;
    for (let start = 0; start < part.length;) {
      const cr = part.indexOf(kCarriageReturn, start);
      if (cr < 0) {
        pieces.push(part.subarray(start));
        break;
      }
      pieces.push(part.subarray(start, cr + 1), this.#prefix);
      start = cr + 1;
    }
    return Buffer.concat(pieces);
  }

  /** Prefixes every line of `lines`, except the first when its start was passed on already. */
  #prefixed(lines: Buffer): Buffer {
    if (this.#prefix.length === 0) return lines;
    if (!this.#midLine) return this.#prefixLines(lines);
    const first = lines.indexOf(kNewline) + 1;
    const rest = lines.subarray(first);
    return rest.length === 0 ? lines : Buffer.concat([lines.subarray(0, first), this.#prefixLines(rest)]);
  }

  #hold(part: Buffer): void {
    this.#pending.push(part);
    this.#pendingBytes += part.length;
  }

  #take(tail: Buffer): Buffer {
    const whole = this.#pendingBytes === 0 ? tail : Buffer.concat([...this.#pending, tail]);
    this.#pending = [];
    this.#pendingBytes = 0;
    return whole;
  }

  #prefixLines(lines: Buffer): Buffer {
    const parts: Buffer[] = [];
    for (let start = 0; start < lines.length;) {
      const end = lines.indexOf(kNewline, start) + 1;
      parts.push(this.#prefix, lines.subarray(start, end));
      start = end;
    }
    return Buffer.concat(parts);
  }
}

/**
 * A destination shared by every rank (the launcher's stdout or stderr). Each write is a batch
 * of whole lines; a full pipe makes writers wait for 'drain', which pauses the rank streams
 * feeding it (backpressure up to the ranks). A broken destination (EPIPE: the reader went
 * away) discards from then on rather than failing the job.
 */
export class OutputSink {
  readonly #stream: Writable;
  #broken = false;
  #drained: Promise<void> | undefined;

  constructor(stream: Writable) {
    this.#stream = stream;
    stream.on('error', () => {
      this.#broken = true;
    });
  }

  /** Writes `data`; resolves once the destination can take more. */
  async write(data: Buffer): Promise<void> {
    if (this.#broken || this.#stream.destroyed) return;
    if (this.#stream.write(data)) return;
    await (this.#drained ??= this.#drain());
  }

  /**
   * One shared wait per drain, also ended by error/close so a dead reader never hangs a rank.
   * Every listener is removed when it ends: this runs once per pipe-full, thousands of times
   * for a chatty job, and leftover listeners would leak (and trip Node's listener warning).
   */
  #drain(): Promise<void> {
    const stream = this.#stream;
    return new Promise((resolve) => {
      const done = (): void => {
        stream.off('drain', done).off('close', done).off('error', done);
        this.#drained = undefined;
        resolve();
      };
      stream.on('drain', done).on('close', done).on('error', done);
    });
  }
}

/**
 * Forwards `source` (a rank's stdout or stderr) to `sink` line by line until it ends; the
 * partial last line is flushed at the end. Never rejects: a source that errors just ends.
 */
export async function forwardLines(source: Readable, sink: OutputSink, prefix = '', options: { live?: boolean } = {}): Promise<void> {
  const splitter = new LineSplitter(prefix, options);
  try {
    for await (const chunk of source) {
      const lines = splitter.push(chunk as Buffer);
      if (lines) await sink.write(lines);
    }
  } catch {
    // The stream was destroyed (the launcher gave up waiting for it); keep what we have.
  }
  const rest = splitter.end();
  if (rest) await sink.write(rest);
}

/**
 * Waits for `forwarding` (the forwardLines of `sources`) to finish. Once a job's processes are
 * gone their pipes end by themselves; only a process that left its group (setsid) can hold
 * one open, so pipes that deliver nothing for `idleMs` are given up (destroyed). A slow reader
 * downstream is not idleness: bytes still flow, only more slowly.
 */
export async function drainForwarding(forwarding: Promise<void>[], sources: Readable[], idleMs: number): Promise<void> {
  const all = Promise.all(forwarding);
  const bytesRead = (): number => sources.reduce((sum, s) => sum + ((s as Readable & { bytesRead?: number }).bytesRead ?? 0), 0);
  for (let before = -1; before !== bytesRead();) {
    before = bytesRead();
    if (await settlesWithin(all, idleMs)) return;
  }
  for (const source of sources) source.destroy();
  await all;
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
