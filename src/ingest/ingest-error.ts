/**
 * Ingest failures that stop a whole batch are TelltaleErrors with a code from the one catalogue
 * (src/domain/errors/error-catalogue.ts); these names stay for the code that already uses them.
 * Row-level problems are not errors: they are RowRejections, quarantined while good rows are stored.
 */
export { ERROR_CATALOGUE as INGEST_ERRORS, type ErrorCode as IngestErrorCode } from '../domain/errors/error-catalogue.ts';
export { TelltaleError as IngestError } from '../domain/errors/telltale-error.ts';
