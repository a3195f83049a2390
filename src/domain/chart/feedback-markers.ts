import type { ChartFeedback } from './chart-input.ts';
import type { ChartOverlay } from './chart-overlay.ts';
import type { ChartXAxis } from './chart-x-axis.ts';

const TONES = ['promoter', 'passive', 'detractor', 'ticket', 'other'];
const TONE_COLORS = ['#2ca02c', '#999999', '#d62728', '#ff7f0e', '#9467bd'];

/** What an answer says, in one word: NPS promoter (9–10), passive (7–8), detractor (0–6); CSAT/review 1–2 count as detractors. */
function tone(f: ChartFeedback): string {
  if (f.kind === 'ticket') return 'ticket';
  if (f.score === null) return 'other';
  if (f.kind === 'nps') return f.score >= 9 ? 'promoter' : f.score >= 7 ? 'passive' : 'detractor';
  return f.score >= 4 ? 'promoter' : f.score >= 3 ? 'passive' : 'detractor';
}

/**
 * Customer feedback beside the log: a diamond at the foot of the top panel at the moment each
 * answer, ticket or review came in, coloured by what it says, with its text as the tooltip.
 */
export function feedbackMarkers(feedback: readonly ChartFeedback[], xAxis: ChartXAxis): ChartOverlay {
  const [lo, hi] = xAxis.domain;
  const rows = feedback
    .map((f) => ({ x: xAxis.toX(f.tsMs), tone: tone(f), label: `${f.kind}${f.score === null ? '' : ` ${f.score}`}${f.channel ? ` (${f.channel})` : ''}`, text: f.text ?? '' }))
    .filter((r) => r.x >= lo && r.x <= hi);
  return {
    datasets: rows.length ? { feedback: rows } : {},
    layersFor: ({ isTop, plotHeightPx }) => {
      if (rows.length === 0 || !isTop) return [];
      return [
        {
          data: { name: 'feedback' },
          mark: { type: 'point', shape: 'diamond', filled: true, size: 70, opacity: 1, stroke: 'white', strokeWidth: 0.5 },
          encoding: {
            y: { value: plotHeightPx - 6 },
            color: { field: 'tone', type: 'nominal', scale: { domain: TONES, range: TONE_COLORS }, legend: null },
            tooltip: [{ field: 'label', title: 'feedback' }, { field: 'text' }],
          },
        },
      ];
    },
  };
}
