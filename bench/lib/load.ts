// The load of the step "coll np=4 loaded": busy-looping Node processes (as many as this
// 2-CPU machine has CPUs), started before the step's first job and killed after its last one
// (also when a job fails). They are the benchmark's children and are reaped before the step
// ends, so bench/lib/quiet.ts counts their CPU time as the benchmark's own, not as others'.
import { spawn, type ChildProcess } from 'node:child_process';

export const kBusyLoops = 2;

// for(;;){} as asked, checking every ~10^8 iterations (tens of ms) that its parent still lives,
// so a benchmark killed with SIGKILL leaves no spinning orphan behind.
const kLoop = 'const p = process.ppid; for (;;) { for (let i = 0; i < 1e8; i++); if (process.ppid !== p) process.exit(0); }';

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

/** Starts `n` busy loops; the function returned kills them and resolves once they are reaped. */
export async function startLoad(n = kBusyLoops): Promise<() => Promise<void>> {
  const loops = Array.from({ length: n }, () => spawn(process.execPath, ['-e', kLoop], { stdio: 'ignore' }));
  const exited = loops.map(
    (c) =>
      new Promise<void>((resolve) => {
        running.add(c);
        c.once('exit', () => {
          running.delete(c);
          resolve();
        });
        c.once('error', () => {
          running.delete(c);
          resolve();
        });
      }),
  );
  // Let them start spinning before the first job.
  await new Promise((r) => setTimeout(r, 300));
  return async () => {
    for (const c of loops) c.kill('SIGKILL');
    await Promise.all(exited);
  };
}
