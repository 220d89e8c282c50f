// Order statistics the bench scripts print: one definition for all of them.

/** The q-quantile (0..1) of `xs`, interpolated linearly between the two nearest ranks
 * (numpy's default); NaN for no values. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo]! + (s[Math.ceil(i)]! - s[lo]!) * (i - lo);
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** The p-th percentile (0..100) by nearest rank, an observed value as latency tables give it
 * (p50 of 200 requests is the 100th fastest); NaN for no values. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
