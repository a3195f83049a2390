import type { HandDrive, HandVehicle } from './cohort-fleet.ts';

const drives = (n: number, f: (i: number) => HandDrive): HandDrive[] => Array.from({ length: n }, (_, i) => f(i));
/** Model A: 4 vehicles × 20 one-hour highway drives, alternately at −5 °C and 15 °C. */
const aDrives = () => drives(20, (i) => ({ dayAgo: i + 1, hours: 1, km: 60, roadClass: 'highway', tempC: i % 2 === 0 ? -5 : 15 }));

/** Exposure and counts small enough to check by hand (see the test for the arithmetic). */
export const HAND_FLEET: HandVehicle[] = [
  { deviceId: 'a1', model: 'A', firmware: '1.0', fleet: 'north', region: 'EU', drives: aDrives(), events: [{ kind: 'breakdown', drive: 0 }] },
  { deviceId: 'a2', model: 'A', firmware: '1.0', fleet: 'north', region: 'EU', drives: aDrives(), events: [{ kind: 'breakdown', drive: 1 }] },
  { deviceId: 'a3', model: 'A', firmware: '1.1', fleet: 'north', region: 'EU', drives: aDrives(), events: [{ kind: 'charge_shortfall', drive: 2 }] },
  { deviceId: 'a4', model: 'A', firmware: '1.1', fleet: 'north', region: 'EU', drives: aDrives(), events: [{ kind: 'anomaly', drive: 3, severity: 'warning' }] },
  {
    deviceId: 'b1', model: 'B', firmware: '2.0', fleet: 'south', region: 'MA',
    drives: drives(10, (i) => ({ dayAgo: i + 1, hours: 0.5, km: 15, roadClass: 'city', tempC: 5 })),
    events: [{ kind: 'breakdown', drive: 0 }],
  },
  { deviceId: 'b2', model: 'B', firmware: '2.0', fleet: 'south', region: 'MA', drives: drives(10, (i) => ({ dayAgo: i + 1, hours: 0.5, km: 15, roadClass: 'city', tempC: 5 })), events: [] },
  { deviceId: 'c1', model: 'C', firmware: '3.0', fleet: 'south', drives: [{ dayAgo: 3, hours: 2, km: 100, roadClass: 'arterial', tempC: 25 }], events: [] },
];
