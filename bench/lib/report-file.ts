// The small reports that the README quotes outside its Performance section
// (bench/report/pool-balance.md, encryption.md, trace-overhead.md): each starts with the command
// that regenerates it, when it ran, on what machine, and how much of the CPUs other processes
// took meanwhile (bench/lib/quiet.ts), since these are timings on a small shared machine.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { othersBusy, othersMeter } from './quiet.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ReportRun {
  /** Writes bench/report/<name>.md: title, header, then `body` (Markdown); returns its path. */
  write(title: string, body: string): string;
}

/**
 * Starts a report of the script `script` (path from the repository root, e.g.
 * `bench/encryption.ts`): notes the time, the load and others' share of the CPUs before the run.
 * `prefix`: what the command line needs before `npx tsx` (e.g. `npm run build &&`).
 */
export async function startReport(name: string, script: string, prefix = 'npm run build &&'): Promise<ReportRun> {
  const started = new Date();
  const loadAtStart = os.loadavg();
  const busyBefore = await othersBusy(1000);
  const during = othersMeter();
  const args = process.argv.slice(2).map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  const command = `${prefix} npx tsx ${script}${args.length > 0 ? ` ${args.join(' ')}` : ''}`.trim();
  return {
    write(title: string, body: string): string {
      const busyDuring = during();
      const seconds = (Date.now() - started.getTime()) / 1000;
      const pct = (x: number): string => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : 'unknown');
      const cpus = os.cpus();
      const header = [
        `# ${title}`,
        '',
        `Regenerate: \`${command}\``,
        '',
        `- Date: ${started.toISOString()} (${Math.round(seconds)} s)`,
        `- Machine: ${cpus.length} CPUs (${cpus[0]?.model ?? 'unknown model'}), ${os.platform()} ${os.release()}, Node ${process.version}`,
        `- Load average at start: ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}; at end: ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
        `- Other processes' share of the CPUs: ${pct(busyBefore)} in the second before the run, ${pct(busyDuring)} during it`,
        '',
      ].join('\n');
      const file = path.join(root, 'bench/report', `${name}.md`);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, `${header}\n${body.trimEnd()}\n`);
      return file;
    },
  };
}
