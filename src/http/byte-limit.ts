import { IngestError } from '../ingest/ingest-error.ts';

/** Passes a body through, failing with 413 as soon as it exceeds the limit (bodies are streamed, never buffered whole). */
export async function* limitBytes(body: AsyncIterable<Uint8Array>, limitBytes: number): AsyncGenerator<Uint8Array> {
  let seen = 0;
  for await (const piece of body) {
    seen += piece.length;
    if (seen > limitBytes) {
      throw new IngestError('TOO_LARGE', `the body exceeds the limit of ${limitBytes} bytes; split the upload`);
    }
    yield piece;
  }
}

/** Compression ratio past which a gzip body counts as a bomb: real telemetry text compresses 5–20×. */
export const MAX_INFLATION_RATIO = 100;
const INFLATION_SLACK_BYTES = 16 * 1024 * 1024;

/**
 * Passes inflated bytes through, failing with 413 while inflating once they pass both 16 MB and
 * MAX_INFLATION_RATIO times the compressed bytes read so far (a 258 KB body inflated to 100 MB).
 */
export async function* limitInflation(inflated: AsyncIterable<Uint8Array>, compressedBytes: () => number, maxRatio = MAX_INFLATION_RATIO): AsyncGenerator<Uint8Array> {
  let seen = 0;
  for await (const piece of inflated) {
    seen += piece.length;
    if (seen > INFLATION_SLACK_BYTES && seen > compressedBytes() * maxRatio) {
      throw new IngestError('TOO_LARGE', `the gzip body inflates more than ${maxRatio}× (${seen} bytes from ${compressedBytes()}): refused as a compression bomb`);
    }
    yield piece;
  }
}

/** Passes bytes through, counting them. */
export function countingBytes(body: AsyncIterable<Uint8Array>): { stream: AsyncGenerator<Uint8Array>; bytes: () => number } {
  let bytes = 0;
  async function* stream(): AsyncGenerator<Uint8Array> {
    for await (const piece of body) {
      bytes += piece.length;
      yield piece;
    }
  }
  return { stream: stream(), bytes: () => bytes };
}
