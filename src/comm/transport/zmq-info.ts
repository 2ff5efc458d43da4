/**
 * What the ZeroMQ binding of this installation offers, for `tsmpirun --info`. Here, beside the
 * transport, because only the transport and the control plane import `zeromq`.
 */
import { capability, version } from 'zeromq';

/** The libzmq version and whether it was built with CURVE encryption. */
export function zmqLibrary(): { version: string; curve: boolean } {
  return { version, curve: capability.curve === true };
}
