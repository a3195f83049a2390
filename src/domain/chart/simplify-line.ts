import type { LineRow } from './chart-rows.ts';

export interface PixelScale {
  xPxPerUnit: number;
  yPxPerUnit: number;
}

/**
 * Douglas–Peucker in pixels: within each unbroken run, a point is dropped only when it lies less
 * than `tolerancePx` from the straight line its kept neighbours draw, so the picture moves by less
 * than that. After the min/max reduction this removes the many points a slow channel (charge,
 * range, temperatures) spends on straight stretches; null rows (breaks) are always kept.
 */
export function simplifyLine(rows: LineRow[], scale: PixelScale, tolerancePx = 0.5): LineRow[] {
  const keep = new Uint8Array(rows.length);
  const tol2 = tolerancePx * tolerancePx;
  let start = 0;
  for (let i = 0; i <= rows.length; i++) {
    if (i < rows.length && rows[i]!.v !== null) continue;
    if (i < rows.length) keep[i] = 1;
    const end = i - 1;
    if (end >= start) {
      keep[start] = 1;
      keep[end] = 1;
      const stack: [number, number][] = [[start, end]];
      while (stack.length > 0) {
        const [a, b] = stack.pop()!;
        if (b - a < 2) continue;
        const ax = rows[a]!.x * scale.xPxPerUnit;
        const ay = rows[a]!.v! * scale.yPxPerUnit;
        const dx = rows[b]!.x * scale.xPxPerUnit - ax;
        const dy = rows[b]!.v! * scale.yPxPerUnit - ay;
        const len2 = dx * dx + dy * dy;
        let worst = -1;
        let worstD2 = tol2;
        for (let k = a + 1; k < b; k++) {
          const px = rows[k]!.x * scale.xPxPerUnit - ax;
          const py = rows[k]!.v! * scale.yPxPerUnit - ay;
          const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, (px * dx + py * dy) / len2));
          const ex = px - t * dx;
          const ey = py - t * dy;
          const d2 = ex * ex + ey * ey;
          if (d2 > worstD2) {
            worstD2 = d2;
            worst = k;
          }
        }
        if (worst >= 0) {
          keep[worst] = 1;
          stack.push([a, worst], [worst, b]);
        }
      }
    }
    start = i + 1;
  }
  return rows.filter((_, i) => keep[i]);
}
