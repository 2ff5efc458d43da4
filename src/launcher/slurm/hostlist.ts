/**
 * Slurm hostlist expressions, pure: `SLURM_JOB_NODELIST` and friends name nodes as
 * `node[001-003,7],login1`, and a launcher needs the plain names in Slurm's order, the order
 * `scontrol show hostnames` prints and the order in which `SLURM_TASKS_PER_NODE` counts apply.
 *
 * What Slurm does (src/common/hostlist.c), and so what this does:
 * - hosts are separated by ","; a "," inside "[...]" separates ranges; empty items are skipped;
 * - a group holds numbers `N` and ranges `N-M` (N ≤ M), each padded with zeros to the width
 *   of its own `N`: `n[08-10]` is n08 n09 n10, `n[8-10]` is n8 n9 n10;
 * - several groups in one name expand as a cartesian product, the leftmost group slowest:
 *   `r[1-2]n[1-2]` is r1n1 r1n2 r2n1 r2n2; duplicates are kept, nothing is sorted;
 * - text may come between groups but not after the last one (`n[1-2]-ib` is an error).
 *
 * Stricter than Slurm, on purpose: white space is an error (Slurm takes it as a separator),
 * and an unclosed "[" is an error (Slurm keeps it as part of a host name).
 */
import { LaunchError } from '../errors.js';
import { Texts } from '../help.js';

/** Slurm refuses a single range of more than 64K hosts; so does this. */
const kMaxRange = 64 * 1024;
/** A bound on a whole expansion, so a typo such as `n[0-9][0-99999]` cannot exhaust memory. */
export const kMaxHosts = 1024 * 1024;

/** One `N` or `N-M` of a group; `width` is the length of N as written. */
interface Range {
  lo: number;
  hi: number;
  width: number;
}

/** A name split at its groups: `r[1-2]n[3]` → texts ['r', 'n', ''], groups [[1-2], [3]]. */
interface Pattern {
  texts: string[];
  groups: Range[][];
}

const kRange = /^([0-9]{1,15})(?:-([0-9]{1,15}))?$/;

/**
 * The host names of a Slurm hostlist expression, in Slurm's order. Errors are
 * `LaunchError('ERR_SLURM')` whose message names the expression and the 1-based character.
 *
 * ```ts
 * expandHostlist('a,n[01-03],r[1-2]x[5,7]') // a n01 n02 n03 r1x5 r1x7 r2x5 r2x7
 * ```
 */
export function expandHostlist(expression: string): string[] {
  const fail = (index: number, why: string): never => {
    throw new LaunchError('ERR_SLURM', Texts.hostlistAt(expression, index + 1, why));
  };
  const names: string[] = [];
  for (const { text, start } of splitItems(expression, fail)) {
    const pattern = parseItem(text, start, fail);
    const count = pattern.groups.reduce((n, group) => n * groupSize(group), 1);
    if (names.length + count > kMaxHosts) fail(start, Texts.hostlistTooMany(kMaxHosts));
    expandPattern(pattern, 0, pattern.texts[0], names);
  }
  if (names.length === 0) throw new LaunchError('ERR_SLURM', Texts.hostlistEmpty(expression));
  return names;
}

/** The items between top-level commas, each with the index of its first character. */
function splitItems(expression: string, fail: (index: number, why: string) => never): Array<{ text: string; start: number }> {
  const items: Array<{ text: string; start: number }> = [];
  let open = -1;
  let start = 0;
  for (let i = 0; i <= expression.length; i++) {
    const c = expression[i];
    if (c === undefined || (c === ',' && open < 0)) {
      if (i > start) items.push({ text: expression.slice(start, i), start });
      start = i + 1;
    } else if (/\s/.test(c)) {
      fail(i, Texts.hostlistSpace());
    } else if (c === '[') {
      if (open >= 0) fail(i, Texts.hostlistNested());
      open = i;
    } else if (c === ']') {
      if (open < 0) fail(i, Texts.hostlistUnopened());
      open = -1;
    }
  }
  if (open >= 0) fail(open, Texts.hostlistUnclosed());
  return items;
}

/** Parses one item (brackets already known to be balanced and flat). */
function parseItem(item: string, start: number, fail: (index: number, why: string) => never): Pattern {
  const texts: string[] = [];
  const groups: Range[][] = [];
  let rest = 0;
  for (let open = item.indexOf('['); open >= 0; open = item.indexOf('[', rest)) {
    const close = item.indexOf(']', open);
    texts.push(item.slice(rest, open));
    groups.push(parseGroup(item.slice(open + 1, close), start + open + 1, fail));
    rest = close + 1;
  }
  const tail = item.slice(rest);
  if (groups.length > 0 && tail !== '') fail(start + rest, Texts.hostlistAfterGroup(tail));
  texts.push(tail);
  return { texts, groups };
}

/** Parses the inside of `[...]`; `at` is the index of its first character in the expression. */
function parseGroup(body: string, at: number, fail: (index: number, why: string) => never): Range[] {
  if (body === '') fail(at - 1, Texts.hostlistEmptyGroup());
  const ranges: Range[] = [];
  let offset = 0;
  for (const text of body.split(',')) {
    const match = kRange.exec(text);
    if (!match) fail(at + offset, Texts.hostlistBadRange(text));
    const [, low, high = low] = match;
    const range = { lo: Number(low), hi: Number(high), width: low.length };
    if (range.lo > range.hi) fail(at + offset, Texts.hostlistDescending(text));
    if (range.hi - range.lo + 1 > kMaxRange) fail(at + offset, Texts.hostlistTooMany(kMaxRange));
    ranges.push(range);
    offset += text.length + 1;
  }
  return ranges;
}

function groupSize(group: readonly Range[]): number {
  return group.reduce((n, r) => n + r.hi - r.lo + 1, 0);
}

/** Appends the names of `pattern` from group `g` on, each starting with `prefix`. */
function expandPattern(pattern: Pattern, g: number, prefix: string, out: string[]): void {
  if (g === pattern.groups.length) {
    out.push(prefix);
    return;
  }
  for (const { lo, hi, width } of pattern.groups[g]) {
    for (let n = lo; n <= hi; n++) {
      expandPattern(pattern, g + 1, prefix + String(n).padStart(width, '0') + pattern.texts[g + 1], out);
    }
  }
}

// A name's last run of digits, e.g. "r1n" and "007" in "r1n007".
const kNumbered = /^(.*?)([0-9]{1,15})$/s;

/**
 * A hostlist expression for `names` that {@link expandHostlist} turns back into exactly
 * `names` (same order, duplicates kept). Only neighbours are merged, as Slurm's
 * `hostlist_ranged_string` does: `n1,n2,n3,m1` → `n[1-3],m1`; nothing is sorted.
 *
 * ```ts
 * compressHostlist(['n01', 'n02', 'n03', 'n07', 'login']) // 'n[01-03,07],login'
 * ```
 */
export function compressHostlist(names: readonly string[]): string {
  const items: string[] = [];
  let prefix: string | undefined;
  let ranges: Array<{ lo: number; hi: number; low: string }> = [];
  const flush = (): void => {
    if (prefix === undefined) return;
    const only = ranges.length === 1 && ranges[0].lo === ranges[0].hi;
    const body = ranges.map((r) => (r.lo === r.hi ? r.low : `${r.low}-${String(r.hi).padStart(r.low.length, '0')}`)).join(',');
    items.push(only ? prefix + body : `${prefix}[${body}]`);
    prefix = undefined;
    ranges = [];
  };
  for (const name of names) {
    if (name === '' || /[[\],\s]/.test(name)) throw new LaunchError('ERR_SLURM', Texts.hostlistBadName(name));
    const match = kNumbered.exec(name);
    if (!match) {
      flush();
      items.push(name);
      continue;
    }
    const [, head, digits] = match;
    const n = Number(digits);
    if (head !== prefix) {
      flush();
      prefix = head;
    }
    const last = ranges[ranges.length - 1];
    // Joins the last range only if the width of its low end reproduces these digits.
    if (last && n === last.hi + 1 && String(n).padStart(last.low.length, '0') === digits) last.hi = n;
    else ranges.push({ lo: n, hi: n, low: digits });
  }
  flush();
  return items.join(',');
}
