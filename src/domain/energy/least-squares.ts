/**
 * Weighted linear least squares by Householder QR: minimises Σ wᵢ (yᵢ − xᵢ·β)². QR instead of the
 * normal equations because 1/v and ΔT/v are strongly correlated and XᵀX would square that
 * condition number. Columns are scaled to unit norm first, which keeps the rank test meaningful.
 * A column the data cannot identify (zero, or a copy of others) raises a clear error.
 */
export function solveLeastSquares(rows: readonly (readonly number[])[], y: readonly number[], weights?: readonly number[]): number[] {
  const n = rows.length;
  const p = rows[0]?.length ?? 0;
  if (n < p || p === 0) throw new Error(`least squares needs at least as many rows as features (rows ${n}, features ${p})`);
  if (y.length !== n) throw new Error(`least squares: ${n} rows but ${y.length} targets`);
  const a: number[][] = [];
  const b: number[] = [];
  for (let i = 0; i < n; i++) {
    const w = Math.sqrt(weights?.[i] ?? 1);
    if (rows[i]!.length !== p) throw new Error(`least squares: row ${i} has ${rows[i]!.length} features, expected ${p}`);
    a.push(rows[i]!.map((v) => v * w));
    b.push(y[i]! * w);
  }
  const scale: number[] = [];
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[i]![j]! ** 2;
    s = Math.sqrt(s);
    if (!(s > 0)) throw new Error(`least squares: feature ${j} is zero in every row`);
    scale.push(s);
    for (let i = 0; i < n; i++) a[i]![j]! /= s;
  }
  for (let k = 0; k < p; k++) {
    let norm = 0;
    for (let i = k; i < n; i++) norm += a[i]![k]! ** 2;
    norm = Math.sqrt(norm);
    if (norm < 1e-10) throw new Error(`least squares: feature ${k} is a combination of the others (rank deficient)`);
    const alpha = a[k]![k]! > 0 ? -norm : norm;
    const v: number[] = new Array(n).fill(0);
    for (let i = k; i < n; i++) v[i] = a[i]![k]!;
    v[k]! -= alpha;
    let vv = 0;
    for (let i = k; i < n; i++) vv += v[i]! ** 2;
    if (vv === 0) continue;
    for (let j = k; j < p; j++) {
      let dot = 0;
      for (let i = k; i < n; i++) dot += v[i]! * a[i]![j]!;
      const f = (2 * dot) / vv;
      for (let i = k; i < n; i++) a[i]![j]! -= f * v[i]!;
    }
    let dot = 0;
    for (let i = k; i < n; i++) dot += v[i]! * b[i]!;
    const f = (2 * dot) / vv;
    for (let i = k; i < n; i++) b[i]! -= f * v[i]!;
  }
  const beta = new Array<number>(p).fill(0);
  for (let k = p - 1; k >= 0; k--) {
    let s = b[k]!;
    for (let j = k + 1; j < p; j++) s -= a[k]![j]! * beta[j]!;
    beta[k] = s / a[k]![k]!;
  }
  return beta.map((v, j) => v / scale[j]!);
}
