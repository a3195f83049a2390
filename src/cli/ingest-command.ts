import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { MESSAGES } from '../domain/errors/error-catalogue.ts';
import { TelltaleError } from '../domain/errors/telltale-error.ts';
import type { IngestSummary } from '../ingest/ingest-summary.ts';
import type { TelemetryFormat } from '../ingest/sources/source.ts';
import { formatFromPath } from './format-from-path.ts';
import { withServices } from './with-services.ts';

export interface IngestCommandOptions {
  db: string;
  device?: string;
  format?: TelemetryFormat;
  profile?: string;
  tz?: string;
  delimiter?: string;
  encoding?: string;
  start?: string;
  map: string[];
  json?: boolean;
}

interface ProgressReporter {
  update: (bytes: number, rows: number) => void;
  /** The file's batch is committed (the live work behind it may still be running). */
  committed: (accepted: number) => void;
  stop: () => void;
}

function progressReporter(file: string, json: boolean): ProgressReporter {
  const total = file.endsWith('.parquet') ? 0 : statSync(file).size;
  if (process.stderr.isTTY && !json) {
    const bar = new SingleBar(
      { format: `${basename(file)} [{bar}] {percentage}% | {rows} rows | {eta_formatted} left`, stream: process.stderr, hideCursor: true },
      Presets.shades_classic,
    );
    bar.start(total || 1, 0, { rows: 0 });
    return { update: (bytes, rows) => bar.update(total ? bytes : 0, { rows }), committed: () => undefined, stop: () => bar.stop() };
  }
  // Not a terminal: a line a second, so logs and supervising scripts see progress.
  let last = 0;
  return {
    update: (_bytes, rows) => {
      const now = Date.now();
      if (now - last < 1000) return;
      last = now;
      process.stderr.write(`ingest ${basename(file)}: ${rows} rows read\n`);
    },
    // A line per commit, so a supervisor (bench:ingest) can tell the ingest from the live work after it.
    committed: (accepted) => process.stderr.write(`ingest ${basename(file)}: committed, ${accepted} rows accepted\n`),
    stop: () => undefined,
  };
}

function printHuman(file: string, s: IngestSummary): void {
  const out = process.stdout;
  out.write(`${file}: ${s.accepted} accepted, ${s.duplicates} duplicates, ${s.rejected} rejected\n`);
  for (const e of s.errors.slice(0, 10)) out.write(`  row ${e.row}, ${e.field}: ${e.reason}\n`);
  if (s.rejected > 10) out.write(`  … ${s.rejected - 10} more in the quarantine table (batch ${s.batchId})\n`);
  if (s.ignoredColumns.length) out.write(`  ignored columns: ${s.ignoredColumns.join(', ')}\n`);
}

/** `telltale ingest FILE...`: each file is one batch, committed whole or not at all. */
export async function runIngestCommand(files: string[], options: IngestCommandOptions): Promise<void> {
  const summaries: IngestSummary[] = [];
  // The same services as the server: each commit is followed by the derived pipeline (sessions and
  // events); start() first finishes what an earlier run left recorded, and close() waits for the rest.
  await withServices(options.db, { detectors: 'load', start: true }, async (services) => {
    // Files are taken in order up to the first one that cannot be read at all (that one stops the
    // run with its error, after the files before it are committed).
    const requests: Parameters<typeof services.ingest.ingestFiles>[0][number][] = [];
    let stop: TelltaleError | undefined;
    for (const file of files) {
      const format = options.format ?? formatFromPath(file);
      if (!format) {
        stop = new TelltaleError('UNKNOWN_FORMAT', MESSAGES.formatNotFromExtension(file));
        break;
      }
      if (!file.endsWith('.parquet') && !existsSync(file)) {
        stop = new TelltaleError('FILE_NOT_FOUND', MESSAGES.noSuchFile(file));
        break;
      }
      const ix = requests.length;
      requests.push({
        input: { path: file },
        format,
        source: file,
        deviceId: options.device,
        profile: options.profile,
        tz: options.tz,
        maps: options.map,
        delimiter: options.delimiter,
        encoding: options.encoding,
        start: options.start,
        onProgress: (p) => reporter(ix).update(p.bytes, p.rows),
      });
    }
    const reporters = new Map<number, ProgressReporter>();
    const reporter = (ix: number): ProgressReporter => {
      let r = reporters.get(ix);
      if (!r) reporters.set(ix, (r = progressReporter(files[ix]!, Boolean(options.json))));
      return r;
    };
    try {
      await services.ingest.ingestFiles(requests, (ix, summary) => {
        const progress = reporter(ix);
        progress.committed(summary.accepted);
        progress.stop();
        reporters.delete(ix);
        summaries.push(summary);
        if (!options.json) printHuman(files[ix]!, summary);
      });
    } finally {
      for (const r of reporters.values()) r.stop();
    }
    if (stop) throw stop;
  });
  if (options.json) {
    const total = {
      accepted: summaries.reduce((n, s) => n + s.accepted, 0),
      duplicates: summaries.reduce((n, s) => n + s.duplicates, 0),
      rejected: summaries.reduce((n, s) => n + s.rejected, 0),
      errors: summaries.flatMap((s) => s.errors.map((e) => ({ file: s.source, ...e }))).slice(0, 100),
      files: summaries,
    };
    process.stdout.write(`${JSON.stringify(total)}\n`);
  }
}
