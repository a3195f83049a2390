import { resolveMapping } from '../column-mapping.ts';
import { RowChunker } from '../row-chunker.ts';
import { ROWS_PER_YIELD, yieldToEventLoop } from '../yield-to-event-loop.ts';
import { MAX_LINE_CHARS, splitLines } from './line-splitter.ts';
import type { SourceOptions, SourcePiece } from './source.ts';
import { decodeText, REPLACEMENT_CHARACTER } from './text-decoding.ts';
import type { RowRejection } from '../../domain/validate-chunk.ts';

/** Newline-delimited JSON objects; row N is the N-th non-blank line. */
export async function* readNdjson(input: AsyncIterable<Uint8Array>, options: SourceOptions): AsyncGenerator<SourcePiece> {
  const mapping = resolveMapping(options.profile, options.overrides, undefined, options.fieldContext);
  options.onMapping?.(mapping);
  const chunker = new RowChunker(mapping, options.chunkRows);
  let rejections: RowRejection[] = [];
  let rowNumber = 0;
  for await (const line of splitLines(decodeText(input, options.encoding, options.onBytes))) {
    if ('tooLongChars' in line) {
      rowNumber++;
      rejections.push({ row: rowNumber, field: '(row)', reason: `is ${line.tooLongChars} characters long, over the limit of ${MAX_LINE_CHARS}`, raw: line.head });
      continue;
    }
    const text = line.text.trim();
    if (text === '') continue;
    rowNumber++;
    if (rowNumber % ROWS_PER_YIELD === 0) await yieldToEventLoop();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      const truncated = text.startsWith('{') && !text.endsWith('}');
      rejections.push({
        row: rowNumber,
        field: '(json)',
        reason: truncated ? 'is an incomplete JSON object (truncated?)' : `is not valid JSON: ${(err as Error).message}`,
        raw: text,
      });
      continue;
    }
    if (text.includes(REPLACEMENT_CHARACTER)) {
      rejections.push({ row: rowNumber, field: '(encoding)', reason: 'is not valid UTF-8; send the body as UTF-8', raw: text });
    } else if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      rejections.push({ row: rowNumber, field: '(json)', reason: 'is not a JSON object', raw: text });
    } else {
      const obj = value as Record<string, unknown>;
      chunker.add(rowNumber, (name) => obj[name], text);
    }
    if (chunker.full || rejections.length >= 8192) {
      yield { chunk: chunker.take(), rejections };
      rejections = [];
    }
  }
  if (chunker.size > 0 || rejections.length > 0) yield { chunk: chunker.take(), rejections };
}
