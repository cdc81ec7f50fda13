// Is one variant's conversion rate really different from another's? A two-proportion z-test.

export interface ProportionTest {
  difference: number;
  z: number;
  pValue: number;
  significant: boolean;
}

/** Standard normal cumulative distribution (Abramowitz–Stegun 26.2.17, error < 7.5e-8). */
function normalCdf(x: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const density = Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
  const tail =
    density *
    t *
    (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return x >= 0 ? 1 - tail : tail;
}

/** Compares conversions a/n1 with b/n2; significant at the given level (two-sided). */
export function twoProportionTest(
  a: number,
  n1: number,
  b: number,
  n2: number,
  level = 0.05,
): ProportionTest {
  if (n1 === 0 || n2 === 0) return { difference: 0, z: 0, pValue: 1, significant: false };
  const p1 = a / n1;
  const p2 = b / n2;
  const pooled = (a + b) / (n1 + n2);
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (standardError === 0) return { difference: p2 - p1, z: 0, pValue: 1, significant: false };
  const z = (p2 - p1) / standardError;
  const pValue = 2 * (1 - normalCdf(Math.abs(z)));
  return { difference: p2 - p1, z, pValue, significant: pValue < level };
}
