import { COMM_WORLD as comm } from 'tsmpi';
await comm.barrier();
