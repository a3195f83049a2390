import type { CohortResult } from '../cohorts/cohort-result.ts';
import { cohortRows } from '../cohorts/cohort-rows.ts';
import { CHART_FONT } from './chart-input.ts';

export interface CohortChartOptions {
  widthPx: number;
  heightPx: number;
  /** Rate per 1,000 driving hours (default) or per 10,000 km. */
  per: 'hours' | 'km';
}

/**
 * Rates with their exact intervals as error bars, one row of panels per kind of moment; groups
 * under the minimum exposure drawn hollow and grey, so they are seen but not mistaken for evidence.
 */
export function cohortChartSpec(result: CohortResult, options: CohortChartOptions): Record<string, unknown> {
  const field = options.per === 'km' ? 'rate_per_10000_km' : 'rate_per_1000_h';
  const title = options.per === 'km' ? 'per 10,000 km' : 'per 1,000 driving hours';
  const values = cohortRows(result).filter((r) => r[field] !== null);
  const kinds = result.kinds.length;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: { font: CHART_FONT, view: { stroke: null } },
    title: `Moments of truth ${title} (${Math.round(result.confidence * 100)} % exact intervals)`,
    data: { values },
    facet: { row: { field: 'kind', type: 'nominal', title: null } },
    spec: {
      width: options.widthPx - 260,
      height: Math.max(60, (options.heightPx - 80) / Math.max(1, kinds) - 40),
      layer: [
        {
          mark: { type: 'rule' },
          encoding: {
            y: { field: 'group', type: 'nominal', title: null },
            x: { field: `${field}_lower`, type: 'quantitative', title },
            x2: { field: `${field}_upper` },
            color: { field: 'low_exposure', type: 'nominal', scale: { domain: [false, true], range: ['#1f77b4', '#aaaaaa'] }, legend: { title: 'low exposure' } },
          },
        },
        {
          mark: { type: 'point', size: 60, filled: true, strokeWidth: 1.5 },
          encoding: {
            y: { field: 'group', type: 'nominal' },
            x: { field, type: 'quantitative' },
            fillOpacity: { condition: { test: '!datum.low_exposure', value: 1 }, value: 0 },
            color: { field: 'low_exposure', type: 'nominal' },
            tooltip: [
              { field: 'group' },
              { field: 'count', title: 'events' },
              { field: 'driving_hours', title: 'hours', format: ',.0f' },
              { field: 'driving_km', title: 'km', format: ',.0f' },
              { field, title: 'rate', format: '.3g' },
            ],
          },
        },
      ],
    },
    resolve: { scale: { x: 'independent' } },
  };
}
