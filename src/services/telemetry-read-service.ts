import { Readable } from 'node:stream';
import type { ColumnName } from '../domain/telemetry-schema.ts';
import { decodeCursor, encodeCursor } from '../domain/paging/page-cursor.ts';
import { telemetryPageColumnsJson } from '../store/telemetry-page-columns-json.ts';
import { telemetryBatchesToArrowPieces } from '../store/telemetry-batches-arrow.ts';
import { readTelemetryBatches } from '../store/telemetry-batches-repository.ts';
import { openTelemetryJsonPage, readTelemetryPage, type TelemetryPageQuery } from '../store/telemetry-page-repository.ts';
import { getDevice } from '../store/telemetry-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';

type StoreConnection = Awaited<ReturnType<TelemetryStore['connect']>>;

/** Rows per page when the request names no `limit`: a device's whole history never comes back in one reply. */
export const TELEMETRY_DEFAULT_LIMIT = 10_000;
/** The most a page may hold: one device-day at 1 Hz (86,400 rows) fits. */
export const TELEMETRY_MAX_LIMIT = 100_000;

export type TelemetryFormat = 'arrow' | 'rows' | 'columns';

export interface TelemetryReadRequest {
  deviceId: string;
  fromMs?: number | undefined;
  toMs?: number | undefined;
  columns?: readonly ColumnName[] | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
  format: TelemetryFormat;
}

export interface TelemetryReply {
  /** Where the next page starts, to pass back as `cursor`; null on the last page. */
  nextCursor: string | null;
  body: Buffer | Readable;
}

/**
 * A page of a device's telemetry as Arrow, JSON rows or JSON columns. Undefined when there is no
 * such device. JSON rows stream from DuckDB on a connection of their own, held until the body has
 * been sent (or the client went away).
 */
export async function readTelemetry(store: TelemetryStore, req: TelemetryReadRequest): Promise<TelemetryReply | undefined> {
  const startKey = decodeCursor(req.cursor, 'n');
  const query: TelemetryPageQuery = {
    deviceId: req.deviceId,
    fromMs: req.fromMs,
    toMs: req.toMs,
    startMs: startKey ? Number(startKey[0]) : undefined,
    columns: req.columns,
    limit: Math.min(TELEMETRY_MAX_LIMIT, req.limit ?? TELEMETRY_DEFAULT_LIMIT),
  };
  const cursorOf = (nextStartMs: number | undefined) => (nextStartMs === undefined ? null : encodeCursor([nextStartMs]));
  if (req.format === 'arrow') {
    const page = await store.withConnection((conn) => readTelemetryBatches(conn, query));
    if (!page) return undefined;
    return { nextCursor: cursorOf(page.nextStartMs), body: Readable.from(telemetryBatchesToArrowPieces(page), { objectMode: false }) };
  }
  if (req.format === 'columns') {
    const page = await store.withConnection((conn) => readTelemetryPage(conn, query));
    if (!page) return undefined;
    const nextCursor = cursorOf(page.nextStartMs);
    return { nextCursor, body: Readable.from(telemetryPageColumnsJson(page, nextCursor)) };
  }
  const conn = await store.connect();
  try {
    if (!(await getDevice(conn, req.deviceId))) {
      conn.closeSync();
      return undefined;
    }
    const page = await openTelemetryJsonPage(conn, query);
    const nextCursor = cursorOf(page.nextStartMs);
    async function* text(): AsyncGenerator<string | Buffer> {
      yield `{"deviceId":${JSON.stringify(req.deviceId)},"rows":[`;
      let count = 0;
      for await (const piece of page.pieces) {
        if (count > 0) yield ',';
        yield Buffer.from(piece.bytes.buffer, piece.bytes.byteOffset, piece.bytes.byteLength);
        count += piece.count;
      }
      yield `],"count":${count},"nextCursor":${nextCursor === null ? 'null' : JSON.stringify(nextCursor)}}`;
    }
    return { nextCursor, body: bodyOnConnection(conn, text()) };
  } catch (err) {
    conn.closeSync();
    throw err;
  }
}

/**
 * A reply body read from a connection of its own, let go once the body has ended, failed or the
 * client went away (before the first piece too: the generator never ran, so its `finally` will not,
 * and closing the connection ends the read's transaction).
 */
function bodyOnConnection(conn: StoreConnection, pieces: AsyncGenerator<string | Buffer>): Readable {
  let open = true;
  let started = false;
  const release = () => {
    if (open) conn.closeSync();
    open = false;
  };
  async function* held(): AsyncGenerator<string | Buffer> {
    started = true;
    try {
      yield* pieces;
    } finally {
      release();
    }
  }
  const body = Readable.from(held(), { objectMode: false });
  body.once('close', () => {
    if (!started) release();
  });
  return body;
}
