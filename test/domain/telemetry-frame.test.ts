import { describe, expect, it } from 'vitest';
import { emptyFrame, fieldOf, FRAME_CHANNELS, frameChannel, sliceFrame } from '../../src/domain/telemetry-frame.ts';
import { NUMBER_COLUMNS } from '../../src/domain/telemetry-schema.ts';

describe('the telemetry frame is derived from the schema', () => {
  it('names each numeric column in code with its unit kept (speed_kph → speedKph)', () => {
    expect(fieldOf('speed_kph')).toBe('speedKph');
    expect(fieldOf('battery_temp_c')).toBe('batteryTempC');
    expect(fieldOf('cabin_setpoint_c')).toBe('cabinSetpointC');
    expect(fieldOf('lat')).toBe('lat');
  });

  it('has one channel per numeric schema column, in the schema order, with its unit', () => {
    expect(FRAME_CHANNELS.map((c) => c.column)).toEqual(NUMBER_COLUMNS.map((c) => c.name));
    expect(FRAME_CHANNELS.map((c) => c.unit)).toEqual(NUMBER_COLUMNS.map((c) => c.unit));
    expect(frameChannel('power_kw')).toEqual({ column: 'power_kw', field: 'powerKw', unit: 'kW' });
    expect(frameChannel('state')).toBeUndefined();
  });

  it('builds and slices frames with every channel missing until set', () => {
    const frame = emptyFrame(3);
    for (const { field } of FRAME_CHANNELS) expect(Array.from(frame[field]).every(Number.isNaN)).toBe(true);
    frame.tsMs.set([1, 2, 3]);
    frame.speedKph[1] = 42;
    frame.errorCodes[2] = ['P0A1F'];
    const tail = sliceFrame(frame, 1, 3);
    expect(tail.length).toBe(2);
    expect(Array.from(tail.tsMs)).toEqual([2, 3]);
    expect(tail.speedKph[0]).toBe(42);
    expect(tail.errorCodes).toEqual([null, ['P0A1F']]);
  });
});
