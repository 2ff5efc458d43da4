// What a failing rank looks like: rank 2 throws in the middle of the computation while the
// others wait in an allreduce. `npx tsmpirun -n 4 examples/crash.ts`
import { COMM_WORLD as comm, SUM } from 'tsmpi';

function solve(step: number): number {
  if (comm.rank === 2 && step === 3) throw new Error(`step ${step} diverged on rank ${comm.rank}`);
  return step * comm.rank;
}

for (let step = 0; step < 10; step++) {
  const residual = await comm.allreduce(solve(step), SUM);
  if (comm.rank === 0) console.log(`step ${step}: residual ${residual}`);
}
