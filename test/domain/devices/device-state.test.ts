import { describe, expect, it } from 'vitest';
import { deviceState, lastActivity, SILENT_AFTER_MS } from '../../../src/domain/devices/device-state.ts';

describe('deviceState', () => {
  const nowMs = 1_700_000_000_000;
  it('follows the latest session, except an explicit off in the last rows', () => {
    expect(lastActivity({ lastSessionKind: 'charge', lastRowState: 'P' })).toBe('charging');
    expect(lastActivity({ lastSessionKind: 'drive', lastRowState: 'off' })).toBe('off');
    expect(lastActivity({ lastSessionKind: null, lastRowState: 'R' })).toBe('driving');
    expect(lastActivity({ lastSessionKind: null, lastRowState: 'N' })).toBeNull();
    expect(lastActivity({ lastSessionKind: 'gap', lastRowState: null })).toBe('off');
    // Units that word the states ready / standby.
    expect(lastActivity({ lastSessionKind: null, lastRowState: 'ready' })).toBe('driving');
    expect(lastActivity({ lastSessionKind: null, lastRowState: 'Standby' })).toBe('parked');
  });
  it('is silent past an hour without a row, and null with no data at all', () => {
    const input = { lastSessionKind: 'park', lastRowState: null, nowMs };
    expect(deviceState({ ...input, lastSeenMs: nowMs - SILENT_AFTER_MS })).toBe('parked');
    expect(deviceState({ ...input, lastSeenMs: nowMs - SILENT_AFTER_MS - 1 })).toBe('silent');
    expect(deviceState({ ...input, lastSeenMs: null })).toBeNull();
  });
});
