import { NUMBER_COLUMNS, type NumberColumnName } from './telemetry-schema.ts';

/** `speed_kph` → `speedKph`: a schema column's name in code, units kept in the name. */
export type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/** The field of a telemetry frame that holds a numeric schema column. */
export type NumberField = CamelCase<NumberColumnName>;

export function fieldOf<C extends string>(column: C): CamelCase<C> {
  return column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) as CamelCase<C>;
}

/** A numeric channel: the schema column, its frame field and its unit, all from the schema's one list. */
export interface FrameChannel {
  readonly column: NumberColumnName;
  readonly field: NumberField;
  readonly unit: string;
}

/** Every numeric channel of the schema, in the schema's order. */
export const FRAME_CHANNELS: readonly FrameChannel[] = NUMBER_COLUMNS.map((c) => ({ column: c.name, field: fieldOf(c.name), unit: c.unit }));

const byColumn = new Map<string, FrameChannel>(FRAME_CHANNELS.map((c) => [c.column, c]));

/** The channel of a numeric column, or undefined for any other name. */
export function frameChannel(column: string): FrameChannel | undefined {
  return byColumn.get(column);
}

/**
 * One device's telemetry in time order as columns, the one shape every reader of stored telemetry
 * returns (detection, sessions, replay, charts, claims): a Float64Array per numeric schema column
 * (NaN = missing), named after the column (`speed_kph` → `speedKph`), plus the state and the error
 * codes (null = missing). Adding a numeric column to the schema adds its field here.
 */
export type TelemetryFrame = { length: number; tsMs: Float64Array } & { [F in NumberField]: Float64Array } & {
  state: (string | null)[];
  errorCodes: (readonly string[] | null)[];
};

/** A frame of `length` rows, every value missing (timestamps 0). */
export function emptyFrame(length: number): TelemetryFrame {
  const frame = {
    length,
    tsMs: new Float64Array(length),
    state: new Array<string | null>(length).fill(null),
    errorCodes: new Array<readonly string[] | null>(length).fill(null),
  } as TelemetryFrame;
  for (const { field } of FRAME_CHANNELS) frame[field] = new Float64Array(length).fill(Number.NaN);
  return frame;
}

/** Rows [from, to) of a frame, sharing its buffers (readers only read). */
export function sliceFrame(frame: TelemetryFrame, from: number, to: number): TelemetryFrame {
  const out = { length: to - from, tsMs: frame.tsMs.subarray(from, to), state: frame.state.slice(from, to), errorCodes: frame.errorCodes.slice(from, to) } as TelemetryFrame;
  for (const { field } of FRAME_CHANNELS) out[field] = frame[field].subarray(from, to);
  return out;
}
