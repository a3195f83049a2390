/**
 * Every ingest failure that stops a whole batch, with a stable code and a message for people.
 * Row-level problems are not errors: they are RowRejections, quarantined while good rows are stored.
 */
export const INGEST_ERRORS = {
  UNKNOWN_PROFILE: { status: 400, title: 'Unknown import profile' },
  UNKNOWN_FORMAT: { status: 415, title: 'Unsupported format' },
  BAD_MAP: { status: 400, title: 'Bad column mapping' },
  BAD_TIME_ZONE: { status: 400, title: 'Unknown time zone' },
  MISSING_COLUMN: { status: 400, title: 'Required column missing' },
  EMPTY_INPUT: { status: 400, title: 'Empty input' },
  BAD_ENCODING: { status: 400, title: 'Wrong text encoding' },
  MALFORMED: { status: 400, title: 'Malformed file' },
  TOO_LARGE: { status: 413, title: 'Body too large' },
  FILE_NOT_FOUND: { status: 400, title: 'File not found' },
  STORE_LOCKED: { status: 503, title: 'Store is locked by another process' },
  ABORTED: { status: 400, title: 'Upload aborted' },
} as const;

export type IngestErrorCode = keyof typeof INGEST_ERRORS;

export class IngestError extends Error {
  readonly code: IngestErrorCode;
  readonly statusCode: number;

  constructor(code: IngestErrorCode, message: string) {
    super(message);
    this.name = 'IngestError';
    this.code = code;
    this.statusCode = INGEST_ERRORS[code].status;
  }
}
