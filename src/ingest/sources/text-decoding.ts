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

/**
 * Latin-1 (ISO 8859-1, read as Windows-1252 as browsers do): every byte is a character, so nothing
 * is invalid; only UTF-16 and binary input are refused.
 */
export async function* decodeLatin1(input: AsyncIterable<Uint8Array>, onBytes?: (bytes: number) => void): AsyncGenerator<string> {
  const decoder = new TextDecoder('latin1');
  let bytes = 0;
  let first = true;
  for await (const piece of input) {
    if (piece.length === 0) continue;
    if (first) {
      first = false;
      if ((piece[0] === 0xff && piece[1] === 0xfe) || (piece[0] === 0xfe && piece[1] === 0xff) || piece.subarray(0, 512).includes(0)) {
        throw new IngestError('BAD_ENCODING', 'the input is UTF-16 or binary, not Latin-1 text');
      }
    }
    bytes += piece.length;
    onBytes?.(bytes);
    yield decoder.decode(piece, { stream: true });
  }
  if (first) throw new IngestError('EMPTY_INPUT', 'the input is empty');
}

export function decodeText(input: AsyncIterable<Uint8Array>, encoding: 'utf8' | 'latin1' | undefined, onBytes?: (bytes: number) => void): AsyncGenerator<string> {
  return encoding === 'latin1' ? decodeLatin1(input, onBytes) : decodeUtf8(input, onBytes);
}
