import type { MappedChunk, RowRejection } from '../../domain/validate-chunk.ts';
import type { FieldContext, ImportProfile } from '../import-profile.ts';
import type { MapOverrides, ResolvedMapping } from '../column-mapping.ts';

export interface SourceOptions {
  profile?: ImportProfile | undefined;
  overrides: MapOverrides;
  fieldContext: FieldContext;
  chunkRows?: number;
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

export type TelemetryFormat = 'csv' | 'ndjson' | 'arrow' | 'parquet';
