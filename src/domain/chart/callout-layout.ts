import { nearestPointOnRect, placeLabels, segmentHitsRect, type Candidate, type Rect } from './label-layout.ts';
import { textWidthPx } from './text-width.ts';

export const CALLOUT_FONT_PX = 10;
export const CALLOUT_LINE_PX = 12;
const PAD_X_PX = 5;
const PAD_Y_PX = 3;
const GAP_PX = 4;
/** Wrap widths tried in turn: a narrower, taller box fits where a wide one does not. */
const WRAPS_CHARS = [46, 34, 26, 18];
const MAX_LINES = 6;
const SIDE_OFFSETS_PX = [14, 34, 70, 120, 190, 280];
const VERTICAL_OFFSETS_PX = [10, 28, 56, 92, 136, 190];
/** Per logged point a box hides; per extra wrap; for a leader that crosses a box (or a box over a leader). */
const COVERED_POINT_COST_PX = 3;
const WRAP_COST_PX = 30;
const CROSSING_COST_PX = 400;
const ANCHOR_CLEAR_PX = 4;

export interface CalloutAnchor {
  key: string;
  xPx: number;
  yPx: number;
  /** The whole text (the verdict already appended). */
  text: string;
}

export interface PlacedCallout {
  key: string;
  anchor: { xPx: number; yPx: number };
  lines: string[];
  box: Rect;
  /** Where the leader line from the anchor meets the box. */
  leaderEnd: { xPx: number; yPx: number };
}

/** A call-out with no room for its box: a number by its point (none when even that had no room) and its text in the notes. */
export interface CalloutFootnote {
  key: string;
  number: number;
  text: string;
  anchor: { xPx: number; yPx: number };
  marker: Rect | undefined;
}

/** Words in lines of at most `wrapChars` (a longer word is cut with "…"), at most MAX_LINES (the last one cut with "…"). */
export function wrapText(text: string, wrapChars: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + 1 + word.length <= wrapChars) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word.length > wrapChars ? `${word.slice(0, wrapChars - 1)}…` : word);
  }
  if (lines.length > MAX_LINES) lines.splice(MAX_LINES - 1, lines.length, `${lines[MAX_LINES - 1]!.slice(0, wrapChars - 1)}…`);
  return lines;
}

export function calloutBoxSize(lines: readonly string[]): { widthPx: number; heightPx: number } {
  return { widthPx: Math.ceil(Math.max(...lines.map((l) => textWidthPx(l, CALLOUT_FONT_PX)))) + 2 * PAD_X_PX, heightPx: lines.length * CALLOUT_LINE_PX + 2 * PAD_Y_PX };
}

const distanceToRect = (x: number, y: number, r: Rect) => Math.hypot(Math.max(r.left - x, 0, x - r.right), Math.max(r.top - y, 0, y - r.bottom));

function countInside(points: Float64Array, r: Rect): number {
  let n = 0;
  for (let i = 0; i < points.length; i += 2) if (points[i]! >= r.left && points[i]! <= r.right && points[i + 1]! >= r.top && points[i + 1]! <= r.bottom) n++;
  return n;
}

function boxCandidates(a: CalloutAnchor, obstacles: Float64Array): Candidate<PlacedCallout>[] {
  const out: Candidate<PlacedCallout>[] = [];
  const seen = new Set<string>();
  WRAPS_CHARS.forEach((wrap, variant) => {
    const lines = wrapText(a.text, wrap);
    const key = lines.join('\n');
    if (seen.has(key)) return;
    seen.add(key);
    const { widthPx: w, heightPx: h } = calloutBoxSize(lines);
    const lefts = [a.xPx - w / 2, ...SIDE_OFFSETS_PX.flatMap((d) => [a.xPx + d, a.xPx - d - w])];
    const tops = [a.yPx - h / 2, ...VERTICAL_OFFSETS_PX.flatMap((e) => [a.yPx + e, a.yPx - e - h])];
    for (const left of lefts) {
      for (const top of tops) {
        const box = { left: Math.round(left), top: Math.round(top), right: Math.round(left) + w, bottom: Math.round(top) + h };
        const end = nearestPointOnRect(a.xPx, a.yPx, box);
        const costPx = distanceToRect(a.xPx, a.yPx, box) + variant * WRAP_COST_PX + COVERED_POINT_COST_PX * countInside(obstacles, box);
        out.push({ box, costPx, value: { key: a.key, anchor: { xPx: a.xPx, yPx: a.yPx }, lines, box, leaderEnd: { xPx: end.x, yPx: end.y } } });
      }
    }
  });
  return out;
}

/** A leader crossing a box placed before, or a box over a leader placed before. */
function crossingCost(c: Candidate<PlacedCallout>, placed: readonly Candidate<PlacedCallout>[]): number {
  const { anchor, leaderEnd } = c.value;
  let cost = 0;
  for (const p of placed) {
    if (segmentHitsRect(anchor.xPx, anchor.yPx, leaderEnd.xPx, leaderEnd.yPx, p.box)) cost += CROSSING_COST_PX;
    if (segmentHitsRect(p.value.anchor.xPx, p.value.anchor.yPx, p.value.leaderEnd.xPx, p.value.leaderEnd.yPx, c.box)) cost += CROSSING_COST_PX;
  }
  return cost;
}

/**
 * Boxed call-outs in one panel's plot (widthPx × heightPx, y down), each joined by a leader line to
 * the point it talks about. Greedy, in the order given: each box at its cheapest position inside the
 * plot that clears the boxes placed before it, every call-out's point and the `keepClear` boxes (a
 * legend); cheaper is nearer its point, less wrapped, hiding fewer logged points (`obstacles`, x/y
 * pairs in pixels) and crossing no other leader. A call-out with no room gets a number by its point
 * and its text in the notes under the chart (numbers from `firstNumber`).
 */
export function layoutCallouts(
  anchors: readonly CalloutAnchor[],
  area: { widthPx: number; heightPx: number; keepClear?: readonly Rect[] },
  obstacles: Float64Array,
  firstNumber: number,
): { callouts: PlacedCallout[]; footnotes: CalloutFootnote[] } {
  const anchorBoxes = anchors.map((a) => ({ left: a.xPx - ANCHOR_CLEAR_PX, top: a.yPx - ANCHOR_CLEAR_PX, right: a.xPx + ANCHOR_CLEAR_PX, bottom: a.yPx + ANCHOR_CLEAR_PX }));
  const layoutArea = { widthPx: area.widthPx, heightPx: area.heightPx, gapXPx: GAP_PX, gapYPx: GAP_PX, keepClear: [...(area.keepClear ?? []), ...anchorBoxes] };
  const boxes = placeLabels(anchors.map((a) => ({ key: a.key, candidates: boxCandidates(a, obstacles) })), layoutArea, [], crossingCost);
  const callouts: PlacedCallout[] = [];
  const missing: CalloutAnchor[] = [];
  boxes.forEach((p, k) => (p.placed ? callouts.push(p.value) : missing.push(anchors[k]!)));
  // Numbers: a small box right, left, above or below the point, clear of every box placed so far.
  const numbers = placeLabels(
    missing.map((a, n) => {
      const w = Math.ceil(textWidthPx(String(firstNumber + n), CALLOUT_FONT_PX)) + 6;
      const h = CALLOUT_LINE_PX + 2;
      const spots = [[6, -h / 2], [-6 - w, -h / 2], [-w / 2, -6 - h], [-w / 2, 6], [6, 6], [-6 - w, 6], [6, -6 - h], [-6 - w, -6 - h]];
      return {
        key: a.key,
        candidates: spots.map(([dx, dy], k) => {
          const left = Math.round(a.xPx + dx!);
          const top = Math.round(a.yPx + dy!);
          return { box: { left, top, right: left + w, bottom: top + h }, costPx: k, value: undefined };
        }),
      };
    }),
    { ...layoutArea, keepClear: [...(area.keepClear ?? []), ...anchorBoxes] },
    callouts.map((c) => c.box),
  );
  const footnotes = missing.map((a, n) => {
    const p = numbers[n]!;
    return { key: a.key, number: firstNumber + n, text: a.text, anchor: { xPx: a.xPx, yPx: a.yPx }, marker: p.placed ? p.box : undefined };
  });
  return { callouts, footnotes };
}
