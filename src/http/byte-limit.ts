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
