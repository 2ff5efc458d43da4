// Medians with their spread, and the number formats of the report.

export const KiB = 1024;
export const MiB = 1024 * 1024;

/** A figure: the median of its repetitions with their min and max. */
export interface Stat {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function stat(reps: readonly number[] | undefined): Stat | null {
  const v = (reps ?? []).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return { median: v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2, min: v[0]!, max: v[v.length - 1]!, n: v.length };
}

/** size / time: a half-round-trip time in µs becomes MB/s (its min and max swap). */
export function perTime(s: Stat | null, size: number): Stat | null {
  return s ? { median: size / s.median, min: size / s.max, max: size / s.min, n: s.n } : null;
}

export function num(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

export const fmt = (s: Stat | null | undefined, unit = ''): string => (s ? `${num(s.median)}${unit} (${num(s.min)}–${num(s.max)})` : '—');

/** Ratio of medians. */
export const ratio = (a: Stat | null | undefined, b: Stat | null | undefined): number => (a && b ? a.median / b.median : NaN);

/** The widest ratio the two spreads allow: [a.min / b.max, a.max / b.min]. */
export const ratioRange = (a: Stat | null | undefined, b: Stat | null | undefined): [number, number] => (a && b ? [a.min / b.max, a.max / b.min] : [NaN, NaN]);

export const rfmt = (x: number): string => (Number.isFinite(x) ? `${x < 0.1 ? x.toFixed(3) : x.toFixed(2)}×` : '—');

export function sizeName(b: number): string {
  if (b >= MiB) return `${b / MiB} MiB`;
  if (b >= KiB) return `${b / KiB} KiB`;
  return `${b} B`;
}
