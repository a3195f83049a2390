import { IngestError } from '../ingest-error.ts';

/**
 * Decodes a UTF-8 byte stream into text pieces. UTF-16 (by BOM or NUL bytes) is refused outright;
 * invalid UTF-8 sequences become U+FFFD, which the row parsers turn into a rejection of that row.
 */
export async function* decodeUtf8(input: AsyncIterable<Uint8Array>, onBytes?: (bytes: number) => void): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });
  let bytes = 0;
  let first = true;
  for await (const piece of input) {
    if (piece.length === 0) continue;
    if (first) {
      first = false;
      const b0 = piece[0];
      const b1 = piece[1];
      if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff) || piece.subarray(0, 512).includes(0)) {
        throw new IngestError('BAD_ENCODING', 'the input is UTF-16 or binary, not UTF-8 text; convert it to UTF-8');
      }
    }
    bytes += piece.length;
    onBytes?.(bytes);
    yield decoder.decode(piece, { stream: true });
  }
  const tail = decoder.decode();
  if (tail) yield tail;
  if (first) throw new IngestError('EMPTY_INPUT', 'the input is empty');
}

export const REPLACEMENT_CHARACTER = '\uFFFD';
