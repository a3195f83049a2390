import type { MappedChunk, RowRejection } from '../../domain/validate-chunk.ts';
import type { FieldContext, ImportProfile } from '../import-profile.ts';
import type { MapOverrides, ResolvedMapping } from '../column-mapping.ts';

export interface SourceOptions {
  profile?: ImportProfile | undefined;
  overrides: MapOverrides;
  fieldContext: FieldContext;
  chunkRows?: number;
  /** CSV field separator (default ','): lab loggers in many locales write ';'. */
  delimiter?: string | undefined;
  /** Text encoding of CSV and NDJSON (default UTF-8; latin1 for older Windows loggers' exports). */
  encoding?: TextEncodingName | undefined;
  /** Called once the source knows its columns. */
  onMapping?: (mapping: ResolvedMapping) => void;
  /** Called with the count of input bytes consumed so far (progress bars). */
  onBytes?: (bytes: number) => void;
}

/** What a source yields: mapped rows, and rows it could not even parse. */
export interface SourcePiece {
  chunk?: MappedChunk;
  rejections: RowRejection[];
}

export type TextEncodingName = 'utf8' | 'latin1';

export type TelemetryFormat = 'csv' | 'ndjson' | 'arrow' | 'parquet';
