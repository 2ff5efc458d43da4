// Every rank says hello: `npx tsmpirun -n 4 examples/hello.ts`
import { COMM_WORLD as comm, getProcessorName } from 'tsmpi';

console.log(`hello from rank ${comm.rank} of ${comm.size} on ${getProcessorName()} (pid ${process.pid})`);
