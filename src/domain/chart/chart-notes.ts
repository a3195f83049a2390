import { textWidthPx } from './text-width.ts';

export const NOTE_FONT_PX = 10;
export const NOTE_LINE_PX = 13;
// SVG collapses runs of spaces: entries are parted by a middle dot.
const SEPARATOR = ' · ';

export interface ChartNote {
  number: number;
  text: string;
}

/** One entry's text cut with "…" to fit `widthPx`. */
function fit(text: string, widthPx: number): string {
  if (textWidthPx(text, NOTE_FONT_PX) <= widthPx) return text;
  let cut = text;
  while (cut.length > 1 && textWidthPx(`${cut}…`, NOTE_FONT_PX) > widthPx) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

/**
 * The notes under the chart, for the labels and call-outs that had no room in the plot: "1: text",
 * run together in lines no wider than the plot (an entry wider than a line is cut with "…").
 */
export function noteLines(notes: readonly ChartNote[], widthPx: number): string[] {
  const lines: string[] = [];
  for (const note of [...notes].sort((a, b) => a.number - b.number)) {
    const entry = fit(`${note.number}: ${note.text}`, widthPx);
    const last = lines[lines.length - 1];
    if (last !== undefined && textWidthPx(`${last}${SEPARATOR}${entry}`, NOTE_FONT_PX) <= widthPx) lines[lines.length - 1] = `${last}${SEPARATOR}${entry}`;
    else lines.push(entry);
  }
  return lines;
}
