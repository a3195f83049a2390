import { placeLabels, type Candidate, type Rect } from './label-layout.ts';
import { textWidthPx } from './text-width.ts';

export const STRIP_FONT_PX = 10;
export const STRIP_ROW_PX = 13;
const RULE_GAP_PX = 3;
const SHORT_CHARS = 18;
/** Crossing another place's rule is legible (the label has a white ground) but worse than not. */
const CROSSED_RULE_COST_PX = 40;

export interface PlaceAnchor {
  xPx: number;
  name: string;
}

/** A name drawn in the strip: text from `xPx` (left-aligned) or ending at it (right-aligned), centred on `yPx`. */
export interface PlacedPlaceLabel {
  text: string;
  xPx: number;
  yPx: number;
  align: 'left' | 'right';
  box: Rect;
}

/** A place whose name did not fit: its number in the strip (when even that had no room, none) and its name in the notes. */
export interface PlaceFootnote {
  number: number;
  text: string;
  marker: PlacedPlaceLabel | undefined;
}

/** The name, then the name without its parenthesis, then its first characters: shorter ones fit where the long one does not. */
export function nameVariants(name: string): string[] {
  const variants = [name];
  const bare = name.replace(/\s*\([^)]*\)\s*$/, '').trim();
  if (bare && bare !== name) variants.push(bare);
  const base = variants[variants.length - 1]!;
  if (base.length > SHORT_CHARS) variants.push(`${base.slice(0, SHORT_CHARS - 1).trimEnd()}…`);
  return variants;
}

function candidates(anchor: PlaceAnchor, texts: readonly string[], rows: number, rulesPx: readonly number[], baseCost: number): Candidate<PlacedPlaceLabel>[] {
  const out: Candidate<PlacedPlaceLabel>[] = [];
  texts.forEach((text, variant) => {
    const w = textWidthPx(text, STRIP_FONT_PX);
    for (let row = 0; row < rows; row++) {
      const top = row * STRIP_ROW_PX;
      const yPx = top + STRIP_ROW_PX / 2;
      for (const align of ['left', 'right'] as const) {
        const left = align === 'left' ? anchor.xPx + RULE_GAP_PX : anchor.xPx - RULE_GAP_PX - w;
        const box = { left, top, right: left + w, bottom: top + STRIP_ROW_PX };
        const crossed = rulesPx.filter((r) => r > box.left && r < box.right).length;
        const costPx = baseCost + variant * 1000 + row * 30 + (align === 'right' ? 10 : 0) + crossed * CROSSED_RULE_COST_PX;
        out.push({ box, costPx, value: { text, xPx: align === 'left' ? anchor.xPx + RULE_GAP_PX : anchor.xPx - RULE_GAP_PX, yPx, align, box } });
      }
    }
  });
  return out;
}

/**
 * Names of the places along the strip above the plots, `rows` rows of STRIP_ROW_PX: each name
 * beside its rule, in the first row where it clears the names placed before it (left to right),
 * shortened when the whole name has no room; a place with no room for any form of its name gets a
 * number there and its whole name in the notes under the chart (numbers from `firstNumber`).
 */
export function layoutPlaceLabels(anchors: readonly PlaceAnchor[], widthPx: number, rows: number, firstNumber: number): { labels: PlacedPlaceLabel[]; footnotes: PlaceFootnote[] } {
  const sorted = [...anchors].sort((a, b) => a.xPx - b.xPx);
  const rulesPx = sorted.map((a) => a.xPx);
  // Rows are STRIP_ROW_PX apart already: the gap is only between neighbours in a row.
  const area = { widthPx, heightPx: rows * STRIP_ROW_PX, gapXPx: 4, gapYPx: 0 };
  const named = placeLabels(
    sorted.map((a, k) => ({ key: String(k), candidates: candidates(a, nameVariants(a.name), rows, rulesPx, 0) })),
    area,
  );
  const labels: PlacedPlaceLabel[] = [];
  const missing: number[] = [];
  named.forEach((p, k) => (p.placed ? labels.push(p.value) : missing.push(k)));
  // Numbers go in second, around the names already placed.
  const numbered = placeLabels(
    missing.map((k, n) => ({ key: String(k), candidates: candidates(sorted[k]!, [String(firstNumber + n)], rows, rulesPx, 0) })),
    area,
    labels.map((l) => l.box),
  );
  const footnotes = missing.map((k, n) => {
    const p = numbered[n]!;
    return { number: firstNumber + n, text: sorted[k]!.name, marker: p.placed ? p.value : undefined };
  });
  return { labels, footnotes };
}
