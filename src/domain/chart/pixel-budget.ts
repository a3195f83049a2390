/**
 * How many pixels one chart may cost: a PNG of 4000 × 3000 at scale 4 (192 M pixels) took half a
 * minute and 2 GB. The budget counts PNG pixels (width × height × scale²); an SVG is width × height.
 */
export const DEFAULT_PIXEL_BUDGET = 12_000_000;

/** The reason a chart is over the budget, or undefined when it fits. */
export function pixelBudgetExceeded(format: string, widthPx: number, heightPx: number, scale: number, budget = DEFAULT_PIXEL_BUDGET): string | undefined {
  if (format === 'vl.json') return undefined;
  const pixels = widthPx * heightPx * (format === 'png' ? scale * scale : 1);
  if (pixels <= budget) return undefined;
  return `${widthPx} × ${heightPx}${format === 'png' ? ` at scale ${scale}` : ''} is ${Math.round(pixels / 1e6)} M pixels, over the budget of ${budget / 1e6} M: ask for a smaller width, height or scale`;
}
