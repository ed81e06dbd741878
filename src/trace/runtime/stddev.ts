// stddev() as dtrace(1) computes it for printing and sorting: integer arithmetic on the count,
// the int64 sum and the 128-bit sum of squares, sqrt(avg(x^2) - avg(x)^2) with every division
// truncating, so printed values match dtrace's digit for digit.

/** floor(sqrt(n)) for n >= 0. */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  // Newton steps from the float estimate until x*x <= n < (x+1)*(x+1)
  while (x * x > n) x = (x + n / x) >> 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}

const MASK128 = (1n << 128n) - 1n;

/**
 * The standard deviation dtrace prints for `count` values whose int64 sum is `sum` and whose sum
 * of squares is `sumsq` (an unsigned 128-bit quantity), values divided by `normal` (normalize()).
 */
export function stddevValue(count: bigint, sum: bigint, sumsq: bigint, normal: bigint): bigint {
  if (count === 0n) return 0n;
  const avgOfSquares = sumsq / normal / normal / count;
  let normAvg = BigInt.asIntN(64, sum) / normal / count;
  if (normAvg < 0n) normAvg = -normAvg;
  const diff = (avgOfSquares - normAvg * normAvg) & MASK128;
  return isqrt(diff);
}
