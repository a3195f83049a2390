/**
 * Every stable error code of the service, with its HTTP status, and every user-facing message
 * that more than one shell (HTTP, WebSocket, CLI) says: one module, so a code or a wording changes
 * in one place and the shells cannot drift apart. The CLI prints `telltale: error CODE: message`,
 * HTTP answers `{"error": CODE, "message": …}`, WebSocket sends `{type:'error', code, message}`.
 */
export const ERROR_CATALOGUE = {
  // A whole ingest batch refused (row-level problems are quarantined, not errors).
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
  ABORTED: { status: 400, title: 'Upload aborted' },
  // The store and the process.
  STORE_LOCKED: { status: 503, title: 'Store is locked by another process' },
  DB_FOLDER_MISSING: { status: 400, title: 'The folder of the database file does not exist' },
  PORT_IN_USE: { status: 503, title: 'The port is taken' },
  // Requests.
  BAD_REQUEST: { status: 400, title: 'Bad request' },
  BAD_RANGE: { status: 400, title: 'Bad time range' },
  BAD_JSON: { status: 400, title: 'Not JSON' },
  BAD_COMMAND: { status: 400, title: 'Not a replay command' },
  NOT_OPEN: { status: 400, title: 'Replay not opened' },
  ALREADY_OPEN: { status: 409, title: 'Replay already open' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  UNAUTHORIZED: { status: 401, title: 'A valid API key is needed' },
  FORBIDDEN: { status: 403, title: "The key's role or fleets do not allow it" },
  BAD_ORIGIN: { status: 403, title: 'Request from a page of another site' },
  UNKNOWN_HOST: { status: 421, title: 'Host name not served here' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  TOO_BUSY: { status: 429, title: 'Too many at once for this key' },
  TOO_MANY_PIXELS: { status: 400, title: 'Chart too large' },
  WEBHOOK_TARGET_REFUSED: { status: 400, title: 'Webhook target not allowed' },
  CONFLICT: { status: 409, title: 'Already exists' },
  READ_FAILED: { status: 500, title: 'Read failed' },
  INTERNAL: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Messages said by more than one shell, by what they are about. */
export const MESSAGES = {
  noDevice: (deviceId: string) => `no device '${deviceId}'`,
  noDataForDevice: (deviceId: string) => `no data for device '${deviceId}'`,
  noSession: (deviceId: string, sessionId: string) => `no session '${sessionId}' for device '${deviceId}'`,
  noEvent: (deviceId: string, id: string) => `no event '${id}' for device '${deviceId}'`,
  noAnnotation: (deviceId: string, annotationId: string) => `no annotation '${annotationId}' on device '${deviceId}'`,
  annotationExists: (annotationId: string) => `annotation '${annotationId}' already exists`,
  rangeReversed: () => 'toMs is before fromMs',
  storeLocked: (path: string) => `${path} is in use by another process (is 'telltale serve' running? send data to its HTTP API instead)`,
  dbFolderMissing: (path: string, folder: string) => `--db ${path}: the folder ${folder} does not exist (create it first, or use another path)`,
  portInUse: (host: string, port: number) => `port ${port} on ${host} is already in use (is another 'telltale serve' running? pick another with --port or PORT)`,
  noSuchFile: (path: string) => `${path}: no such file`,
  formatNotFromExtension: (path: string) => `${path}: cannot tell the format from the extension; pass --format csv|ndjson|arrow|parquet`,
  unknownUnit: (spec: string, unit: string, known: readonly string[]) => `--map ${spec}: unknown unit '${unit}' (known: ${known.join(', ')})`,
  internal: () => 'internal error; see the server log',
} as const;
