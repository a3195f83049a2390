import { Readable } from 'node:stream';
import { parse, CsvError } from 'csv-parse';
import { resolveMapping } from '../column-mapping.ts';
import { IngestError } from '../ingest-error.ts';
import { RowChunker } from '../row-chunker.ts';
import { ROWS_PER_YIELD, yieldToEventLoop } from '../yield-to-event-loop.ts';
import type { SourceOptions, SourcePiece } from './source.ts';
import { decodeText, REPLACEMENT_CHARACTER } from './text-decoding.ts';
import { guardLineLength, MAX_CSV_LINE_CHARS } from './line-splitter.ts';
import type { RowRejection } from '../../domain/validate-chunk.ts';

interface ParsedRecord {
  record: string[];
  raw: string;
}

/**
 * CSV with a header row. Row 1 is the first data row (line 2 of the file). Rows with the wrong
 * number of fields or undecodable bytes are rejected; a file cut inside a quoted field is reported
 * as truncated after the last complete row.
 */
export async function* readCsv(input: AsyncIterable<Uint8Array>, options: SourceOptions): AsyncGenerator<SourcePiece> {
  // A record csv-parse cannot read (a quote never closed, say) is skipped and reported as a row of
  // its own instead of failing the stream, which would lose the good records buffered before it.
  const skipped: RowRejection[] = [];
  const parser = parse({
    bom: true,
    delimiter: options.delimiter ?? ',',
    // Named, not discovered: csv-parse's discovery rescans its buffer until the first record ends,
    // which held the event loop ~100 ms for one long header.
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    skip_empty_lines: true,
    raw: true,
    trim: false,
    skip_records_with_error: true,
    on_skip: (err, raw) => {
      const records = (err as { records?: number } | undefined)?.records ?? 0;
      skipped.push({
        row: Math.max(1, records),
        field: '(file)',
        reason: `cannot be read as CSV (${err?.code ?? 'error'}): the file is malformed or truncated after row ${Math.max(0, records - 1)}`,
        raw: (raw ?? '').slice(0, 4096),
      });
      return undefined;
    },
  });
  // csv-parse rescans a growing record (a 50 MB header took 75 s): a line past the limit refuses
  // the file before it reaches the parser.
  const text = Readable.from(guardLineLength(decodeText(input, options.encoding, options.onBytes), MAX_CSV_LINE_CHARS));
  text.on('error', (err) => parser.destroy(err));
  text.pipe(parser);

  let header: string[] | undefined;
  let index = new Map<string, number>();
  let chunker: RowChunker | undefined;
  let rowNumber = 0;
  let rejections: RowRejection[] = [];
  try {
    for await (const { record, raw } of parser as AsyncIterable<ParsedRecord>) {
      if (!header) {
        header = record.map((h) => h.trim());
        index = new Map(header.map((h, i) => [h, i]));
        const mapping = resolveMapping(options.profile, options.overrides, header, options.fieldContext);
        options.onMapping?.(mapping);
        chunker = new RowChunker(mapping, options.chunkRows);
        continue;
      }
      rowNumber++;
      if (rowNumber % ROWS_PER_YIELD === 0) await yieldToEventLoop();
      if (skipped.length) rejections.push(...skipped.splice(0));
      const rawText = raw.replace(/\r?\n$/, '');
      if (record.length !== header.length) {
        rejections.push({ row: rowNumber, field: '(row)', reason: `has ${record.length} fields, the header has ${header.length}`, raw: rawText });
      } else if (rawText.includes(REPLACEMENT_CHARACTER)) {
        rejections.push({ row: rowNumber, field: '(encoding)', reason: 'is not valid UTF-8; send the file as UTF-8', raw: rawText });
      } else {
        chunker!.add(rowNumber, (name) => {
          const i = index.get(name);
          return i === undefined ? undefined : record[i];
        }, rawText);
      }
      if (chunker!.full || rejections.length >= 8192) {
        yield { chunk: chunker!.take(), rejections };
        rejections = [];
      }
    }
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    rejections.push({
      row: rowNumber + 1,
      field: '(file)',
      reason: `the file is malformed or truncated after row ${rowNumber}: ${err.message}`,
      raw: '',
    });
  }
  if (!header) throw new IngestError('EMPTY_INPUT', 'the CSV has no header row');
  rejections.push(...skipped.splice(0));
  if (chunker!.size > 0 || rejections.length > 0) yield { chunk: chunker!.take(), rejections };
}
