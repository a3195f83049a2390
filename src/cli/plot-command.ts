import { writeFileSync } from 'node:fs';
import type { ChartFormat } from '../chart/render-chart.ts';
import { parseTimeParam } from '../http/time-param.ts';
import { withServices } from './with-services.ts';

export interface PlotCommandOptions {
  db: string;
  device: string;
  from?: string;
  to?: string;
  session?: string;
  x?: 'time' | 'distance';
  out: string;
  width?: number;
  height?: number;
  units?: 'metric' | 'imperial';
  power?: boolean;
  public?: boolean;
  scale?: number;
}

function formatOf(out: string): ChartFormat {
  const lower = out.toLowerCase();
  if (lower.endsWith('.vl.json')) return 'vl.json';
  if (lower.endsWith('.svg')) return 'svg';
  if (lower.endsWith('.png')) return 'png';
  throw new Error(`--out ${out}: the file name must end in .svg, .png or .vl.json`);
}

/** `telltale plot --device ID [--from --to | --session ID] [--x distance] --out FILE.{svg,png,vl.json}` */
export async function runPlotCommand(options: PlotCommandOptions): Promise<void> {
  const format = formatOf(options.out);
  if (options.session && (options.from || options.to)) throw new Error('--session replaces --from/--to: give one or the other');
  const fromMs = parseTimeParam(options.from, '--from');
  const toMs = parseTimeParam(options.to, '--to');
  const chart = await withServices(options.db, {}, (services) =>
    services.charts.produce({
      deviceId: options.device,
      fromMs,
      toMs,
      sessionId: options.session,
      format,
      x: options.x,
      widthPx: options.width,
      heightPx: options.height,
      units: options.units,
      power: options.power,
      public: options.public,
      scale: options.scale,
    }),
  );
  writeFileSync(options.out, chart.body);
  process.stderr.write(`${options.out}: ${chart.contentType}, ${Buffer.byteLength(chart.body)} bytes\n`);
}
