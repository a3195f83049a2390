import type { ColumnName } from '../domain/telemetry-schema.ts';
import type { MappedChunk } from '../domain/validate-chunk.ts';
import type { ResolvedMapping, SourceGetter } from './column-mapping.ts';

/** Gathers row-oriented records (CSV, NDJSON) into columnar chunks of mapped values. */
export class RowChunker {
  private readonly mapping: ResolvedMapping;
  private readonly capacity: number;
  private rowNumbers: number[] = [];
  private raws: string[] = [];
  private columns = new Map<ColumnName, unknown[]>();

  /**
   * 2,048 rows: a chunk is validated in one synchronous step, and 8,192 rows of bad timestamps
   * held the event loop for up to 130 ms on a busy machine; a staged append costs ~0.2 ms, so
   * smaller chunks cost the ingest nothing measurable.
   */
  constructor(mapping: ResolvedMapping, capacity = 2048) {
    this.mapping = mapping;
    this.capacity = capacity;
    this.reset();
  }

  get size(): number {
    return this.rowNumbers.length;
  }

  get full(): boolean {
    return this.rowNumbers.length >= this.capacity;
  }

  add(rowNumber: number, get: SourceGetter, raw: string): void {
    this.rowNumbers.push(rowNumber);
    this.raws.push(raw);
    for (const field of this.mapping.fields) this.columns.get(field.column)!.push(field.extract(get));
  }

  take(): MappedChunk {
    const raws = this.raws;
    const chunk: MappedChunk = {
      length: this.rowNumbers.length,
      rowNumbers: this.rowNumbers,
      columns: Object.fromEntries(this.columns),
      rawText: (i) => raws[i] ?? '',
    };
    this.reset();
    return chunk;
  }

  private reset(): void {
    this.rowNumbers = [];
    this.raws = [];
    this.columns = new Map(this.mapping.fields.map((f) => [f.column, []]));
  }
}
