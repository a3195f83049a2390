import { describe, expect, it } from 'vitest';
import { eventReplaySpan } from '../../../src/domain/replay/event-replay-span.ts';

const MIN = 60_000;
const t = (hhmm: string) => Date.parse(`2013-01-24T${hhmm}:00Z`);
const data = { firstMs: t('00:00'), lastMs: t('23:59') };
// The Model S's day 2 around the breakdown, as segmentation stores it.
const sessions = [
  { kind: 'charge' as const, startMs: t('15:00'), endMs: t('16:00') },
  { kind: 'drive' as const, startMs: t('16:03'), endMs: t('17:09') },
  { kind: 'park' as const, startMs: t('17:09'), endMs: t('19:42') }, // standing on the ramp, then the tow
  { kind: 'charge' as const, startMs: t('19:42'), endMs: t('21:02') },
  { kind: 'drive' as const, startMs: t('21:05'), endMs: t('22:37') },
];

describe('eventReplaySpan', () => {
  it('covers a breakdown from a little before it through the tow to the next charge, not just its drive', () => {
    const span = eventReplaySpan({ startMs: t('17:08'), endMs: t('19:39'), evidence: [] }, sessions, data);
    expect(span.eventStartMs).toBe(t('17:08'));
    expect(span.eventEndMs).toBe(t('19:39'));
    const lead = (t('19:39') - t('17:08')) / 10; // 15.1 min: above the 15-minute cap
    expect(lead).toBeGreaterThan(15 * MIN);
    expect(span.startMs).toBe(t('17:08') - 15 * MIN);
    expect(span.endMs).toBe(t('19:42') + 15 * MIN);
  });

  it('runs on through the park that follows an event ending with its drive (a shortfall ending at the stall)', () => {
    const span = eventReplaySpan({ startMs: t('16:00'), endMs: t('17:09'), evidence: [] }, sessions, data);
    expect(span.endMs).toBe(t('19:42') + (t('17:09') - t('16:00')) / 10);
  });

  it('has no aftermath when the car drives on after the moment', () => {
    const span = eventReplaySpan({ startMs: t('16:30'), endMs: t('16:31'), evidence: [] }, sessions, data);
    expect(span.startMs).toBe(t('16:30') - 2 * MIN); // the lead's floor
    expect(span.endMs).toBe(t('16:31') + 2 * MIN);
  });

  it('reaches as far as the evidence when the event has no end, and stays inside the data', () => {
    const span = eventReplaySpan({ startMs: t('00:01'), endMs: null, evidence: [{ signal: 'tow', value: 1, atMs: t('00:20') }] }, [], data);
    expect(span.eventEndMs).toBe(t('00:20'));
    expect(span.startMs).toBe(data.firstMs);
    expect(span.endMs).toBe(t('00:22'));
  });

  it('stops the aftermath six hours after the event however long the car stands', () => {
    const span = eventReplaySpan({ startMs: t('01:00'), endMs: t('01:00'), evidence: [] }, [{ kind: 'park', startMs: t('00:30'), endMs: t('20:00') }], data);
    expect(span.endMs).toBe(t('07:00') + 2 * MIN);
  });

  it('stops at a gap in the data', () => {
    const span = eventReplaySpan({ startMs: t('10:00'), endMs: t('10:05'), evidence: [] }, [
      { kind: 'park', startMs: t('10:05'), endMs: t('10:30') },
      { kind: 'gap', startMs: t('10:30'), endMs: t('18:00') },
      { kind: 'park', startMs: t('18:00'), endMs: t('19:00') },
    ], data);
    expect(span.endMs).toBe(t('10:32'));
  });
});
