import type { TelemetryFormat } from '../ingest/sources/source.ts';

const BY_EXTENSION: Record<string, TelemetryFormat> = {
  csv: 'csv',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
  arrow: 'arrow',
  arrows: 'arrow',
  ipc: 'arrow',
  feather: 'arrow',
  parquet: 'parquet',
};

export function formatFromPath(path: string): TelemetryFormat | undefined {
  const ext = path.toLowerCase().replace(/\.gz$/, '').split('.').pop() ?? '';
  return BY_EXTENSION[ext];
}
