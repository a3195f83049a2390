import { Type, type Static } from 'typebox';

/**
 * The replay WebSocket protocol (/v1/replay): JSON text messages. A client opens a device and a
 * time range or a session, then steers playback; the server sends frames in time order.
 */

export const MIN_SPEED = 0.1;
export const MAX_SPEED = 1000;
/** Times within JavaScript's date range: -1e300 is a 'bad command', not an int64 overflow deep in a query. */
const TimeMs = (description?: string) => Type.Number({ minimum: -8.64e15, maximum: 8.64e15, ...(description ? { description } : {}) });
const UnitSystemSchema = Type.Union([Type.Literal('metric'), Type.Literal('imperial')], { description: 'Display units (default: from the device region)' });
const Speed = Type.Number({ minimum: MIN_SPEED, maximum: MAX_SPEED, description: 'Playback speed, × real time' });

export const OpenCommand = Type.Object({
  type: Type.Literal('open'),
  deviceId: Type.String({ minLength: 1, maxLength: 128 }),
  sessionId: Type.Optional(Type.String({ maxLength: 64, description: 'Replay one stored session (drive, charge…)' })),
  eventId: Type.Optional(Type.String({ maxLength: 64, description: 'Replay one moment of truth: from a little before it through its aftermath (the tow of a breakdown) to the next drive or charge' })),
  units: Type.Optional(UnitSystemSchema),
  fromMs: Type.Optional(TimeMs('Inclusive start (epoch ms); default: first sample')),
  toMs: Type.Optional(TimeMs('Inclusive end (epoch ms); default: last sample')),
  atMs: Type.Optional(TimeMs('Start position (deep link); default: start of the range')),
  speed: Type.Optional(Speed),
  autoplay: Type.Optional(Type.Boolean()),
  loop: Type.Optional(Type.Boolean()),
});

export const ClientCommand = Type.Union([
  OpenCommand,
  Type.Object({ type: Type.Literal('play') }),
  Type.Object({ type: Type.Literal('pause') }),
  Type.Object({ type: Type.Literal('seek'), tMs: TimeMs() }),
  Type.Object({ type: Type.Literal('speed'), speed: Speed }),
  Type.Object({ type: Type.Literal('step'), direction: Type.Union([Type.Literal(1), Type.Literal(-1)]) }),
  Type.Object({ type: Type.Literal('jump'), to: Type.Union([Type.Literal('next'), Type.Literal('prev')]) }),
  Type.Object({ type: Type.Literal('loop'), enabled: Type.Boolean() }),
  Type.Object({ type: Type.Literal('close') }),
]);
export type ClientCommand = Static<typeof ClientCommand>;
export type OpenCommand = Static<typeof OpenCommand>;

export const PlayerStateName = Type.Union([Type.Literal('paused'), Type.Literal('playing'), Type.Literal('ended'), Type.Literal('closed')]);
export type PlayerStateName = Static<typeof PlayerStateName>;

const Value = Type.Union([Type.Number(), Type.String(), Type.Array(Type.String()), Type.Null()]);

/** Rows as columns: `ts` (epoch ms) and one array per channel, all the same length. */
export const FrameRows = Type.Record(Type.String(), Type.Array(Value));
export type FrameRows = Static<typeof FrameRows>;

export const Mark = Type.Object({ tMs: Type.Number(), kind: Type.String(), label: Type.String() });
export type Mark = Static<typeof Mark>;

export const ServerMessage = Type.Union([
  Type.Object({
    type: Type.Literal('ready'),
    deviceId: Type.String(),
    startMs: Type.Number(),
    endMs: Type.Number(),
    channels: Type.Array(Type.String()),
    marks: Type.Array(Mark),
    units: Type.Optional(UnitSystemSchema),
    focus: Type.Optional(Type.Object({ eventId: Type.String(), startMs: Type.Number(), endMs: Type.Number() }, { description: 'The moment an eventId replay is about (its span as far as its evidence reaches)' })),
  }),
  Type.Object({ type: Type.Literal('state'), state: PlayerStateName, positionMs: Type.Number(), speed: Type.Number(), loop: Type.Boolean() }),
  Type.Object({
    type: Type.Literal('backfill'),
    atMs: Type.Number(),
    values: Type.Record(Type.String(), Value, { description: 'Latest value of every channel at or before atMs' }),
  }),
  Type.Object({
    type: Type.Literal('frame'),
    fromMs: Type.Number({ description: 'Exclusive' }),
    toMs: Type.Number({ description: 'Inclusive' }),
    anchorWallMs: Type.Number({ description: 'Server wall clock (epoch ms) at which the position was anchorPositionMs' }),
    anchorPositionMs: Type.Number(),
    speed: Type.Number(),
    rows: FrameRows,
  }),
  Type.Object({
    type: Type.Literal('lag'),
    droppedRows: Type.Integer({ description: 'Rows skipped since the last frame' }),
    reason: Type.Union([Type.Literal('client'), Type.Literal('server')], {
      description: "'client': it read too slowly (its socket buffer was full); 'server': they could only have been sent later than the lateness budget",
    }),
  }),
  Type.Object({ type: Type.Literal('end'), positionMs: Type.Number() }),
  Type.Object({ type: Type.Literal('error'), code: Type.String(), message: Type.String() }),
]);
export type ServerMessage = Static<typeof ServerMessage>;
