import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { IngestError } from '../../ingest/ingest-error.ts';
import { IngestSummarySchema } from '../../ingest/ingest-summary.ts';
import type { TelemetryFormat } from '../../ingest/sources/source.ts';
import { countingBytes, limitBytes, limitInflation } from '../byte-limit.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';

export const INGEST_CONTENT_TYPES: Record<string, TelemetryFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
  'application/vnd.apache.arrow.stream': 'arrow',
};

const IngestQuery = Type.Object({
  device: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Device id for rows without a device_id column' })),
  profile: Type.Optional(Type.String({ description: 'Import profile, e.g. twizy-rsk' })),
  tz: Type.Optional(Type.String({ description: 'Zone of timestamps without one (IANA name or ±HH:MM)' })),
  map: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())], { description: 'column=source[:unit], repeatable; power_kw=U*I:w derives a column as a product' })),
  delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 3, description: "CSV field separator (default ','; 'tab' for tabs)" })),
  encoding: Type.Optional(Type.String({ maxLength: 16, description: 'utf8 (default) or latin1' })),
  start: Type.Optional(Type.String({ maxLength: 40, description: 'the ts column is relative time from this instant (ISO 8601 with a zone): seconds unless mapped :ms or :us' })),
});

export async function telemetryIngestRoute(app: FastifyInstance, opts: { bodyLimitBytes: number }): Promise<void> {
  // Bodies reach the route as streams; the ingest pipeline reads them piece by piece.
  app.addContentTypeParser(Object.keys(INGEST_CONTENT_TYPES), (_request, payload, done) => done(null, payload));

  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/v1/telemetry',
    {
      schema: {
        summary: 'Ingest telemetry (CSV, NDJSON or Arrow IPC stream), streamed',
        querystring: IngestQuery,
        consumes: Object.keys(INGEST_CONTENT_TYPES),
        response: { 200: IngestSummarySchema, 400: ErrorSchema, 413: ErrorSchema, 415: ErrorSchema },
      },
      bodyLimit: opts.bodyLimitBytes,
    },
    async (request) => {
      const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const format = INGEST_CONTENT_TYPES[mediaType];
      if (!format) {
        throw new IngestError('UNKNOWN_FORMAT', `content-type '${mediaType}' is not one of ${Object.keys(INGEST_CONTENT_TYPES).join(', ')}`);
      }
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > opts.bodyLimitBytes) throw new IngestError('TOO_LARGE', `the body (${declared} bytes) exceeds the limit of ${opts.bodyLimitBytes} bytes; split the upload`);
      const q = request.query;
      const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase();
      if (encoding !== 'identity' && encoding !== 'gzip') throw new IngestError('UNKNOWN_FORMAT', `content-encoding '${encoding}' is not supported (use gzip or none)`);
      // The limit applies to the bytes received and again to the decompressed bytes (no zip bombs).
      const received = countingBytes(limitBytes(request.body as Readable, opts.bodyLimitBytes));
      // Inflated bytes are checked as they come out of gunzip: against the limit and against the ratio to what arrived.
      const body = encoding === 'gzip'
        ? limitInflation(limitBytes(Readable.from(received.stream).pipe(createGunzip()), opts.bodyLimitBytes), received.bytes)
        : received.stream;
      try {
        const summary = await app.core.ingest({
          input: body,
          format,
          source: `http:${request.ip}`,
          deviceId: q.device,
          fleets: request.principal?.fleets ?? undefined,
          profile: q.profile,
          tz: q.tz,
          maps: q.map === undefined ? [] : ([] as string[]).concat(q.map),
          delimiter: q.delimiter,
          encoding: q.encoding,
          start: q.start,
        });
        app.metrics.ingestBatches.inc({ format, status: 'committed' });
        app.metrics.ingestRows.inc({ outcome: 'accepted' }, summary.accepted);
        app.metrics.ingestRows.inc({ outcome: 'duplicate' }, summary.duplicates);
        app.metrics.ingestRows.inc({ outcome: 'rejected' }, summary.rejected);
        return summary;
      } catch (err) {
        app.metrics.ingestBatches.inc({ format, status: 'failed' });
        throw err;
      }
    },
  );
}
