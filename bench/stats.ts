/** A sample's centre and spread. Percentiles interpolate linearly between order statistics. */
export interface Summary {
  n: number;
  median: number;
  p10: number;
  p90: number;
  /** Interquartile range (p75 - p25). */
  iqr: number;
  min: number;
  max: number;
}

/** The p-th percentile (0..100) of the values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    median: round(median(values)),
    p10: round(percentile(values, 10)),
    p90: round(percentile(values, 90)),
    iqr: round(percentile(values, 75) - percentile(values, 25)),
    min: round(Math.min(...values)),
    max: round(Math.max(...values)),
  };
}

/** Rounds to 3 decimals for readable JSON. */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** ours / reference, or null when the reference is zero (a ratio would mean nothing). */
export function ratio(ours: number, reference: number): number | null {
  return reference === 0 ? null : round(ours / reference);
}
