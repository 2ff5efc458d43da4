/** Matches a message from any source rank in `recv`, `irecv`, `probe` and `iprobe`. */
export const ANY_SOURCE = -1;
/** Matches a message with any tag (user tags only: collective traffic never matches). */
export const ANY_TAG = -1;
/**
 * The rank that is no rank: `send`, `recv`, `sendrecv` (and their nonblocking forms, `recvInto`,
 * `probe`) with it complete at once and move nothing; a receive gives `undefined`, its status
 * source `PROC_NULL`. `CartComm.shift` gives it past a non-periodic border. -2 as in Open MPI
 * and mpi4py (ANY_SOURCE is -1 here).
 */
export const PROC_NULL = -2;
/** `split(UNDEFINED)` leaves this rank out of every new communicator: the call gives `null`. */
export const UNDEFINED = -32766;
/** The largest user tag. Tags are integers in [0, TAG_UB]. */
export const TAG_UB = 2 ** 31 - 1;

/**
 * Every communicator owns two consecutive context ids: `ctx` for user point-to-point traffic
 * and `ctx + 1` for its collectives, so a user wildcard receive can never take a collective's
 * message. COMM_WORLD owns 0 and 1; `dup`/`split` agree on the next free pair.
 */
export const kWorldContext = 0;
export const kContextsPerCommunicator = 2;
