import { IngestError } from '../ingest-error.ts';

/** The longest line (or CSV record) read, in characters: past it the line is rejected, not buffered. */
export const MAX_LINE_CHARS = 1 << 20;

/**
 * CSV lines: the parser's cost grows with the square of a record's length, so the limit is lower
 * (a telemetry row is under 1 KB; 64 K characters is a header of thousands of columns).
 */
export const MAX_CSV_LINE_CHARS = 64 * 1024;

export type SplitLine = { text: string } | { tooLongChars: number; head: string };

/**
 * Lines of a text stream in one pass: each piece is searched for newlines once, and a line is
 * joined from its pieces once (the old splitter rescanned its whole buffer on every piece, so a
 * 50 MB line cost a minute). A line over `maxChars` is dropped as it streams, and reported.
 */
export async function* splitLines(input: AsyncIterable<string>, maxChars = MAX_LINE_CHARS): AsyncGenerator<SplitLine> {
  let pieces: string[] = [];
  let length = 0;
  let overflow = false;
  let head = '';
  const finish = (): SplitLine => {
    const line: SplitLine = overflow ? { tooLongChars: length, head } : { text: pieces.join('') };
    pieces = [];
    length = 0;
    overflow = false;
    head = '';
    return line;
  };
  const add = (part: string) => {
    length += part.length;
    if (overflow) return;
    if (length > maxChars) {
      overflow = true;
      head = (pieces.join('') + part).slice(0, 200);
      pieces = [];
      return;
    }
    pieces.push(part);
  };
  for await (const text of input) {
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) !== -1) {
      add(text.slice(start, nl));
      yield finish();
      start = nl + 1;
    }
    if (start < text.length) add(text.slice(start));
  }
  if (length > 0 || overflow) yield finish();
}

/**
 * Passes text through, refusing the whole input (MALFORMED) at the first line longer than
 * `maxChars`: each piece is scanned once, for its last newline only.
 */
export async function* guardLineLength(input: AsyncIterable<string>, maxChars: number): AsyncGenerator<string> {
  let lineChars = 0;
  let line = 1;
  for await (const text of input) {
    const last = text.lastIndexOf('\n');
    if (last === -1) {
      lineChars += text.length;
    } else {
      let from = 0;
      let nl: number;
      // Only pieces with newlines are walked line by line, and each character once.
      while ((nl = text.indexOf('\n', from)) !== -1) {
        if (lineChars + (nl - from) > maxChars) break;
        lineChars = 0;
        line++;
        from = nl + 1;
      }
      if (nl !== -1) lineChars += nl - from;
      else lineChars = text.length - from;
    }
    if (lineChars > maxChars) {
      throw new IngestError('MALFORMED', `line ${line} is longer than ${maxChars} characters: not a CSV this service reads (nothing of the file was stored)`);
    }
    yield text;
  }
}
