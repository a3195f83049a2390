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

  constructor(mapping: ResolvedMapping, capacity = 8192) {
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
