import { renderChart, type RenderOptions } from './render-chart.ts';

/** One chart rendered in a pool thread (Vega layout and resvg rasterising are CPU-bound: off the event loop). */
export default function renderInWorker(task: { spec: Record<string, unknown>; options: RenderOptions }): Promise<string | Buffer> {
  return renderChart(task.spec, task.options);
}
