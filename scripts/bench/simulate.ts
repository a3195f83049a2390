/**
 * Simulator benchmark, `npm run bench:simulate` (flags: --devices --days --seed).
 *
 * Simulates a labelled fleet (default 100 devices × 7 days = 700 device-days, the size the
 * detector training and the evaluation use) device by device, letting each series go once
 * counted, and reports wall and CPU time, rows, and the ground truth it produced: labels per
 * kind and subkind, legs and how many of them arrived normally (SoC ≥ 5 % on arrival).
 * Ends with one line of JSON with every figure.
 */
import { parseArgs } from 'node:util';
import { simulateDevices } from '../../src/simulate/simulate-fleet.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '100' },
    days: { type: 'string', default: '7' },
    seed: { type: 'string', default: '1' },
  },
});
const devices = Number(values.devices);
const days = Number(values.days);
const seed = Number(values.seed);

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const wall0 = performance.now();
const cpu0 = cpuMs();
let rows = 0;
let legs = 0;
let normalArrivals = 0;
let stranded = 0;
const bySubkind: Record<string, number> = {};
const byKind: Record<string, number> = { breakdown: 0, charge_shortfall: 0, lookalike: 0 };
for (const run of simulateDevices({ seed, devices, days })) {
  rows += run.device.series.length;
  for (const l of run.labels) {
    byKind[l.kind] = (byKind[l.kind] ?? 0) + 1;
    bySubkind[`${l.kind}/${l.subkind}`] = (bySubkind[`${l.kind}/${l.subkind}`] ?? 0) + 1;
  }
  legs += run.legs.length;
  normalArrivals += run.legs.filter((l) => l.arriveSocPct !== null && l.arriveSocPct >= 5).length;
  stranded += run.legs.filter((l) => l.strandedMs !== null).length;
}
const wallS = (performance.now() - wall0) / 1000;
const cpuS = (cpuMs() - cpu0) / 1000;
const deviceDays = devices * days;
process.stdout.write(
  `${deviceDays} device-days in ${wallS.toFixed(1)} s (${cpuS.toFixed(1)} s CPU): ${rows} rows, ` +
    `${byKind.breakdown} breakdowns, ${byKind.charge_shortfall} shortfalls, ${byKind.lookalike} look-alikes, ${normalArrivals}/${legs} legs arrived normally\n`,
);
process.stdout.write(
  `${JSON.stringify({
    devices,
    days,
    seed,
    deviceDays,
    wallS: +wallS.toFixed(2),
    cpuS: +cpuS.toFixed(2),
    rows,
    rowsPerCpuS: Math.round(rows / cpuS),
    breakdowns: byKind.breakdown,
    shortfalls: byKind.charge_shortfall,
    lookalikes: byKind.lookalike,
    legs,
    normalArrivals,
    strandedLegs: stranded,
    bySubkind,
  })}\n`,
);
