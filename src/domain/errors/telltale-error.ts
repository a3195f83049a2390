import { ERROR_CATALOGUE, type ErrorCode } from './error-catalogue.ts';

/**
 * An error a user is meant to read: a stable code from the catalogue and a message saying what to
 * do. Anything else that escapes is a bug, logged in full and shown only as INTERNAL.
 */
export class TelltaleError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TelltaleError';
    this.code = code;
    this.statusCode = ERROR_CATALOGUE[code].status;
  }
}
