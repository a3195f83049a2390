// Types of replay-model.js (plain JavaScript, served to the browser as it is) for the type checker.
export interface DisplayUnit {
  label: string;
  convert: (value: number) => number;
}
export interface DisplayUnits {
  system: 'metric' | 'imperial';
  speed: DisplayUnit;
  distance: DisplayUnit;
  temperature: DisplayUnit;
}
export interface Moment {
  startMs: number;
  endMs?: number | null;
}
export function displayUnits(system: string | undefined): DisplayUnits;
export function unitOfSignal(signal: string, units: DisplayUnits): DisplayUnit | undefined;
export function formatValue(value: unknown, unit?: DisplayUnit, digits?: number): string;
export function trackSegments(rows: readonly { ts: number; lat?: number | null; lon?: number | null }[], maxStepMs: number): [number, number, number][][];
export function plotColumn(rows: readonly Record<string, unknown>[], column: string, channels: readonly string[], convert: (v: number) => number): (number | null | undefined)[];
export function adjacentMoment<M extends Moment>(moments: readonly M[], positionMs: number, direction: 1 | -1): M | undefined;
export function momentAt<M extends Moment>(moments: readonly M[], positionMs: number): M | undefined;
export function bandOnStrip(startMs: number, endMs: number | null | undefined, rangeStartMs: number, rangeEndMs: number, width: number, minWidth: number): { x: number; width: number } | undefined;
export function interpolatedPosition(
  anchor: { playing: boolean; positionMs: number; receivedAtMs: number; speed: number; maxAheadMs: number; endMs: number },
  nowMs: number,
): number;
export interface TimeWindow {
  startMs: number;
  endMs: number;
}
export const MIN_ZOOM_MS: number;
export function clampWindow(startMs: number, endMs: number, range: TimeWindow): TimeWindow;
export function zoomWindow(view: TimeWindow, range: TimeWindow, factor: number, centerMs?: number): TimeWindow;
export function isWholeRange(view: TimeWindow, range: TimeWindow): boolean;
export function followWindow(view: TimeWindow, range: TimeWindow, positionMs: number): TimeWindow;
export function needsFinerRows(fetched: TimeWindow | undefined, view: TimeWindow): boolean;
