import { describe, expect, it } from 'vitest';
import { placeEvent, type IncidentSpan } from '../../../src/domain/alerts/place-event.ts';

const MIN = 60_000;
const HYST = 30 * MIN;
const inc = (incidentId: string, startMs: number, endMs: number, state: IncidentSpan['state'] = 'open'): IncidentSpan => ({ incidentId, state, startMs, endMs });

describe('placeEvent', () => {
  it('opens a new incident when there is none nearby', () => {
    expect(placeEvent({ startMs: 0, endMs: MIN }, undefined, [], HYST)).toEqual({ action: 'open' });
    expect(placeEvent({ startMs: 100 * MIN, endMs: null }, undefined, [inc('a', 0, 10 * MIN)], HYST)).toEqual({ action: 'open' });
  });

  it('attaches a tow that follows the breakdown within the hysteresis window', () => {
    expect(placeEvent({ startMs: 35 * MIN, endMs: 80 * MIN }, undefined, [inc('a', 0, 10 * MIN)], HYST)).toMatchObject({ action: 'attach', incidentId: 'a' });
  });

  it('keeps an event with its incident even when resolved (no reopen by the same event id)', () => {
    expect(placeEvent({ startMs: 500 * MIN, endMs: null }, 'old', [inc('a', 490 * MIN, 495 * MIN)], HYST)).toMatchObject({ action: 'attach', incidentId: 'old' });
  });

  it('absorbs a flap just after a resolved incident instead of opening another', () => {
    expect(placeEvent({ startMs: 20 * MIN, endMs: 21 * MIN }, undefined, [inc('a', 0, 10 * MIN, 'resolved')], HYST)).toMatchObject({ incidentId: 'a' });
  });

  it('chooses the latest of several nearby incidents, and matches an event that starts before one', () => {
    const list = [inc('early', 0, 5 * MIN), inc('late', 20 * MIN, 25 * MIN)];
    expect(placeEvent({ startMs: 26 * MIN, endMs: null }, undefined, list, HYST)).toMatchObject({ incidentId: 'late' });
    expect(placeEvent({ startMs: -40 * MIN, endMs: -15 * MIN }, undefined, [inc('a', 0, 5 * MIN)], HYST)).toMatchObject({ incidentId: 'a' });
  });

  it('with zero hysteresis only overlapping events group', () => {
    expect(placeEvent({ startMs: 5 * MIN, endMs: 6 * MIN }, undefined, [inc('a', 0, 5 * MIN)], 0)).toMatchObject({ incidentId: 'a' });
    expect(placeEvent({ startMs: 5 * MIN + 1, endMs: null }, undefined, [inc('a', 0, 5 * MIN)], 0)).toEqual({ action: 'open' });
  });
});
