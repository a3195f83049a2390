import { describe, expect, it } from 'vitest';
import { adjacentMoment, bandOnStrip, clampWindow, displayUnits, followWindow, formatValue, interpolatedPosition, isWholeRange, MIN_ZOOM_MS, momentAt, needsFinerRows, plotColumn, trackSegments, unitOfSignal, zoomWindow } from '../../src/web/replay-model.js';

describe('the replay page model', () => {
  it('shows speeds, distances and temperatures in the device units', () => {
    const imperial = displayUnits('imperial');
    expect(imperial.speed.label).toBe('mph');
    expect(formatValue(100, imperial.speed)).toBe('62.1');
    expect(formatValue(-10, imperial.temperature)).toBe('14.0');
    expect(formatValue(100, unitOfSignal('range_km', imperial))).toBe('62.1');
    expect(unitOfSignal('outside_temp_c', imperial)?.label).toBe('°F');
    const metric = displayUnits('metric');
    expect(formatValue(100, metric.speed)).toBe('100.0');
    expect(formatValue(null, metric.speed)).toBe('–');
    expect(unitOfSignal('model_score', metric)).toBeUndefined();
    // A rate per km is per mile in imperial, not a distance.
    expect(unitOfSignal('predicted_kwh_per_km', imperial)?.label).toBe('kWh/mi');
    expect(formatValue(0.25, unitOfSignal('predicted_kwh_per_km', imperial), 3)).toBe('0.402');
    expect(unitOfSignal('predicted_kwh_per_km', metric)?.label).toBe('kWh/km');
  });

  it('cuts the track at a hole row and at a long step, never bridging either', () => {
    const rows = [
      { ts: 0, lat: 1, lon: 1 }, { ts: 1000, lat: 1.1, lon: 1.1 },
      { ts: 50_000, lat: null, lon: null }, // the timeline's row in a hole
      { ts: 100_000, lat: 2, lon: 2 }, { ts: 101_000, lat: 2.1, lon: 2.1 },
      { ts: 900_000, lat: 3, lon: 3 }, // 13 min after the last fix
      { ts: 901_000, lat: 3.1, lon: 3.1 },
    ];
    const lines = trackSegments(rows, 120_000);
    expect(lines.map((l) => l.map((p) => p[2]))).toEqual([[0, 1000], [100_000, 101_000], [900_000, 901_000]]);
    expect(lines[0]![0]).toEqual([1, 1, 0]); // lon first: x, then y
    expect(trackSegments([{ ts: 0, lat: null, lon: null }], 1000)).toEqual([]);
  });

  it('breaks a plot line at the hole rows only, drawing across a sparser channel\'s own missing samples', () => {
    const rows = [
      { ts: 0, soc_pct: 90, range_km: 100 },
      { ts: 1, soc_pct: null, range_km: 99 }, // SoC logged less often than range
      { ts: 2, soc_pct: null, range_km: null }, // the timeline's row in a hole
      { ts: 3, soc_pct: 89, range_km: null },
    ];
    const channels = ['soc_pct', 'range_km'];
    expect(plotColumn(rows, 'soc_pct', channels, (v) => v)).toEqual([90, undefined, null, 89]);
    expect(plotColumn(rows, 'range_km', channels, (v) => v / 2)).toEqual([50, 49.5, null, undefined]);
  });

  it('jumps to the next and previous moment, moving on from one it sits on', () => {
    const moments = [{ startMs: 50_000, endMs: 60_000 }, { startMs: 10_000, endMs: null }, { startMs: 90_000 }];
    expect(adjacentMoment(moments, 0, 1)?.startMs).toBe(10_000);
    expect(adjacentMoment(moments, 10_000, 1)?.startMs).toBe(50_000);
    expect(adjacentMoment(moments, 90_000, 1)).toBeUndefined();
    expect(adjacentMoment(moments, 90_000, -1)?.startMs).toBe(50_000);
    expect(adjacentMoment(moments, 10_500, -1)).toBeUndefined();
  });

  it('gives the evidence panel the moment under the cursor, else the last one passed, else the first ahead', () => {
    const moments = [{ startMs: 10_000, endMs: 100_000 }, { startMs: 50_000, endMs: 60_000 }];
    expect(momentAt(moments, 55_000)?.startMs).toBe(50_000);
    expect(momentAt(moments, 70_000)?.startMs).toBe(10_000);
    expect(momentAt(moments, 200_000)?.startMs).toBe(50_000);
    expect(momentAt(moments, 0)?.startMs).toBe(10_000);
    expect(momentAt([], 0)).toBeUndefined();
  });

  it('draws a moment as a band at least minWidth wide, clipped to the strip', () => {
    expect(bandOnStrip(250, 500, 0, 1000, 1000, 6)).toEqual({ x: 250, width: 250 });
    expect(bandOnStrip(500, null, 0, 1000, 1000, 6)).toEqual({ x: 497, width: 6 });
    expect(bandOnStrip(999, 999, 0, 1000, 1000, 6)).toEqual({ x: 994, width: 6 });
    expect(bandOnStrip(-500, 2000, 0, 1000, 1000, 6)).toEqual({ x: 0, width: 1000 });
    expect(bandOnStrip(2000, 3000, 0, 1000, 1000, 6)).toBeUndefined();
  });

  it('moves the cursor on between frames at the playing speed, a tick at most, and never past the end', () => {
    const anchor = { playing: true, positionMs: 1000, receivedAtMs: 0, speed: 100, maxAheadMs: 5000, endMs: 100_000 };
    expect(interpolatedPosition(anchor, 20)).toBe(3000);
    expect(interpolatedPosition(anchor, 1000)).toBe(6000);
    expect(interpolatedPosition({ ...anchor, endMs: 2000 }, 1000)).toBe(2000);
    expect(interpolatedPosition({ ...anchor, playing: false }, 1000)).toBe(1000);
  });

  describe('zooming the plots', () => {
    const range = { startMs: 0, endMs: 3_600_000 };

    it('zooms in and out about a time that stays put, never past the range or under a minute', () => {
      expect(zoomWindow(range, range, 0.5)).toEqual({ startMs: 900_000, endMs: 2_700_000 });
      // About a point a quarter of the way in: it stays a quarter of the way in.
      expect(zoomWindow(range, range, 0.5, 900_000)).toEqual({ startMs: 450_000, endMs: 2_250_000 });
      expect(zoomWindow({ startMs: 900_000, endMs: 2_700_000 }, range, 2)).toEqual(range);
      expect(zoomWindow({ startMs: 3_000_000, endMs: 3_600_000 }, range, 4)).toEqual({ startMs: 1_200_000, endMs: 3_600_000 });
      expect(zoomWindow({ startMs: 0, endMs: 90_000 }, range, 0.1).endMs - zoomWindow({ startMs: 0, endMs: 90_000 }, range, 0.1).startMs).toBe(MIN_ZOOM_MS);
      expect(clampWindow(-50, 10, { startMs: 0, endMs: 30_000 })).toEqual({ startMs: 0, endMs: 30_000 });
      expect(isWholeRange(range, range)).toBe(true);
      expect(isWholeRange({ startMs: 1, endMs: 3_600_000 }, range)).toBe(false);
    });

    it('follows playback: the window moves once the position leaves it, keeping its width', () => {
      const view = { startMs: 600_000, endMs: 1_200_000 };
      expect(followWindow(view, range, 900_000)).toBe(view);
      expect(followWindow(view, range, 1_200_001)).toEqual({ startMs: 1_140_001, endMs: 1_740_001 });
      expect(followWindow(view, range, 3_590_000)).toEqual({ startMs: 3_000_000, endMs: 3_600_000 });
      expect(followWindow(view, range, 0)).toEqual({ startMs: 0, endMs: 600_000 });
    });

    it('reads rows again for a window much narrower than, or outside, the rows in hand', () => {
      expect(needsFinerRows(undefined, range)).toBe(true);
      expect(needsFinerRows(range, range)).toBe(false);
      expect(needsFinerRows(range, { startMs: 0, endMs: 2_000_000 })).toBe(false);
      expect(needsFinerRows(range, { startMs: 0, endMs: 1_800_000 })).toBe(true);
      expect(needsFinerRows({ startMs: 0, endMs: 600_000 }, { startMs: 500_000, endMs: 700_000 })).toBe(true);
    });
  });
});
