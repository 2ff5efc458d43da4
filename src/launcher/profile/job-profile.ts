/**
 * --trace FILE and --stats for one job: what ranks are told (record, and the job's epoch),
 * the reports they send at their end, and what is written or printed once the job is over.
 */
import path from 'node:path';
import { kDiagEnv } from '../../comm/bootstrap/env.js';
import type { DiagMessage } from '../../comm/bootstrap/protocol.js';
import type { LaunchOptions } from '../args.js';
import { describeFsError, diagnostic, Texts } from '../help.js';
import { ProfileCollector } from './collector.js';
import { formatStats } from './stats.js';
import { buildTrace } from './trace-events.js';
import { prepareTraceFile, writeTraceFile } from './trace-file.js';

export class JobProfile {
  readonly #trace: { file: string; shown: string } | undefined;
  readonly #stats: boolean;
  readonly #collector = new ProfileCollector();
  /** The job's time origin, ms since 1970 with sub-ms precision: every rank's spans are relative to it. */
  readonly epoch = performance.timeOrigin + performance.now();

  /** undefined when neither option is given: nothing to do. */
  static of(options: LaunchOptions, cwd: string): JobProfile | undefined {
    return options.trace === undefined && !options.stats ? undefined : new JobProfile(options, cwd);
  }

  private constructor(options: LaunchOptions, cwd: string) {
    this.#trace = options.trace === undefined ? undefined : { file: path.resolve(cwd, options.trace), shown: options.trace };
    this.#stats = options.stats;
  }

  /** Before any rank starts: the trace file must be writable (a usage error otherwise). */
  async prepare(): Promise<void> {
    if (this.#trace !== undefined) await prepareTraceFile(this.#trace.file, this.#trace.shown);
  }

  /** What ranks need in their environment to record. */
  rankEnv(): Record<string, string> {
    return {
      ...(this.#trace === undefined ? {} : { [kDiagEnv.trace]: '1' }),
      ...(this.#stats ? { [kDiagEnv.stats]: '1' } : {}),
      [kDiagEnv.epoch]: String(this.epoch),
    };
  }

  receive(message: DiagMessage): void {
    this.#collector.receive(message);
  }

  /** The job is over: writes the trace and returns what goes to stderr (diagnostics, the table). */
  async finish(size: number): Promise<string> {
    const reports = this.#collector.reports();
    let out = '';
    if (this.#trace !== undefined) {
      try {
        await writeTraceFile(this.#trace.file, buildTrace(reports));
        const whole = reports.filter((r) => r.complete).length;
        if (whole < size) out += diagnostic(Texts.tracePartial(whole, size, this.#trace.shown));
        for (const r of reports) {
          if (r.counters.droppedSpans > 0) out += diagnostic(Texts.traceSpansNotKept(r.rank, r.counters.droppedSpans, r.spans.length));
        }
      } catch (error) {
        out += diagnostic(Texts.traceFailed(this.#trace.shown, describeFsError(error)));
      }
    }
    if (this.#stats)
      out += formatStats(reports, size)
        .map((l) => `${l}\n`)
        .join('');
    return out;
  }
}
