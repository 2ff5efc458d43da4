/**
 * How a pending call is written for people: in the launcher's hang report and in the rank's own
 * note when it ends with calls still pending. One wording on both sides of the process.
 */
import type { WaitArg, WaitInfo } from './protocol.js';

const argText = ([name, value]: WaitArg): string => `${name}=${value}`;

/** `recv(source=0, tag=5)`, `bcast(root=0) #3`, `allreduce #17`. */
export function describeCall(w: Pick<WaitInfo, 'op' | 'args' | 'call'>): string {
  const args = w.args.length > 0 ? `(${w.args.map(argText).join(', ')})` : '';
  return `${w.op}${args}${w.call === undefined ? '' : ` #${w.call}`}`;
}
