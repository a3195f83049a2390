/** A box in a plot's pixels: x to the right, y down, from the plot's top-left corner. */
export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** One place a label could go, with what it costs (lower is better). */
export interface Candidate<T> {
  box: Rect;
  costPx: number;
  /** What the caller needs to draw it (text lines, alignment, …). */
  value: T;
}

/** A label to place: its candidate positions, tried cheapest first. */
export interface LabelRequest<T> {
  key: string;
  candidates: readonly Candidate<T>[];
}

export interface LayoutArea {
  widthPx: number;
  heightPx: number;
  /** Clear space kept between two labels, side by side and one above the other. */
  gapXPx: number;
  gapYPx: number;
  /** Boxes nothing may cover (a legend, the anchors the labels point at). */
  keepClear?: readonly Rect[];
}

/** A cost that depends on what is already placed (a leader line crossing a box placed before). */
export type ContextCost<T> = (candidate: Candidate<T>, placed: readonly Candidate<T>[]) => number;

export type Placement<T> = { key: string; placed: true; box: Rect; value: T } | { key: string; placed: false };

export function overlaps(a: Rect, b: Rect, gapXPx = 0, gapYPx = gapXPx): boolean {
  return a.left < b.right + gapXPx && b.left < a.right + gapXPx && a.top < b.bottom + gapYPx && b.top < a.bottom + gapYPx;
}

export function insideArea(box: Rect, widthPx: number, heightPx: number): boolean {
  return box.left >= 0 && box.top >= 0 && box.right <= widthPx && box.bottom <= heightPx;
}

/**
 * Greedy placement with collision boxes: requests in the order given (the caller puts the most
 * important first), each at its cheapest candidate that lies inside the area and clears every box
 * placed before it and every keep-clear box. A request with no such candidate is not placed: the
 * caller turns it into a numbered footnote. So, whatever the input, no two placed boxes overlap
 * and none leaves the area.
 */
export function placeLabels<T>(requests: readonly LabelRequest<T>[], area: LayoutArea, alreadyPlaced: readonly Rect[] = [], contextCost?: ContextCost<T>): Placement<T>[] {
  const taken: Rect[] = [...alreadyPlaced];
  const placed: Candidate<T>[] = [];
  const keepClear = area.keepClear ?? [];
  return requests.map((request) => {
    const fits = request.candidates.filter(
      (c) => insideArea(c.box, area.widthPx, area.heightPx) && !taken.some((t) => overlaps(t, c.box, area.gapXPx, area.gapYPx)) && !keepClear.some((k) => overlaps(k, c.box)),
    );
    let best: Candidate<T> | undefined;
    let bestCost = Number.POSITIVE_INFINITY;
    for (const c of fits) {
      const cost = c.costPx + (contextCost ? contextCost(c, placed) : 0);
      if (cost < bestCost) {
        best = c;
        bestCost = cost;
      }
    }
    if (!best) return { key: request.key, placed: false };
    taken.push(best.box);
    placed.push(best);
    return { key: request.key, placed: true, box: best.box, value: best.value };
  });
}

/** Whether the segment from (x0, y0) to (x1, y1) passes through the box (Liang–Barsky clipping). */
export function segmentHitsRect(x0: number, y0: number, x1: number, y1: number, r: Rect): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = x1 - x0;
  const dy = y1 - y0;
  for (const [p, q] of [[-dx, x0 - r.left], [dx, r.right - x0], [-dy, y0 - r.top], [dy, r.bottom - y0]] as const) {
    if (p === 0) {
      if (q < 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return false;
  }
  return true;
}

/** The point of the box's outline nearest to (x, y): where a leader line from that point ends. */
export function nearestPointOnRect(x: number, y: number, r: Rect): { x: number; y: number } {
  const cx = Math.min(r.right, Math.max(r.left, x));
  const cy = Math.min(r.bottom, Math.max(r.top, y));
  if (cx !== x || cy !== y) return { x: cx, y: cy };
  // Inside: out through the nearest side.
  const d = [x - r.left, r.right - x, y - r.top, r.bottom - y];
  const k = d.indexOf(Math.min(...d));
  return k === 0 ? { x: r.left, y } : k === 1 ? { x: r.right, y } : k === 2 ? { x, y: r.top } : { x, y: r.bottom };
}
