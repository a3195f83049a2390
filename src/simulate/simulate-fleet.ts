import type { Charger } from '../domain/chargers/charger.ts';
import type { TelemetrySeries } from '../domain/telemetry-series.ts';
import { DAY_MS, outsideTempC, type DeviceContext } from './device-context.ts';
import { simulateDay } from './day-plan.ts';
import { buildFleetLayout, type FleetLayout } from './fleet-layout.ts';
import { DEFAULT_INJECTION_RATES, type InjectionRates } from './injection-rates.ts';
import type { LegLabel, MomentLabel } from './moment-label.ts';
import { terrainAltM } from './route-builder.ts';
import { SeededRandom } from './seeded-random.ts';
import { SeriesBuilder } from './series-builder.ts';
import type { SimulatorConfig } from './simulator-config.ts';
import { simulatorConfig, TRAIN_CONFIG_NAME } from './simulator-configs.ts';
import { park } from './stationary-runner.ts';

export type { InjectionRates } from './injection-rates.ts';
export { DEFAULT_INJECTION_RATES } from './injection-rates.ts';

/** 2025-01-06T00:00:00Z, a Monday. */
export const DEFAULT_START_MS = Date.UTC(2025, 0, 6);

export interface SimulateFleetOptions {
  seed: number;
  devices: number;
  days: number;
  startMs?: number;
  /** Overrides the configuration's injection rates. */
  rates?: Partial<InjectionRates>;
  /** Named simulator configuration (src/simulate/simulator-configs.ts), or one built from them (tests); `train` when absent. */
  config?: string | SimulatorConfig;
}

export interface SimulatedDevice {
  deviceId: string;
  model: string;
  fleet: string;
  climate: string;
  batteryKwh: number;
  heatPump: boolean;
  /** True SoC at which this car cuts propulsion (0–2 %). */
  cutoffSocPct: number;
  /** Whether its facts would be registered with the service (PUT /v1/devices/:id). */
  registered: boolean;
  /** How its unit reports: state wording, parked heartbeat (0 = silent), standing code, sensor steps. */
  quirks: { wording: string; parkedHeartbeatS: number; standingCode: string | null; socStepPct: number; speedStepKph: number; tempStepC: number };
  series: TelemetrySeries;
}

export interface SimulatedFleet {
  devices: SimulatedDevice[];
  chargers: Charger[];
  labels: MomentLabel[];
  legs: LegLabel[];
}

export interface SimulatedDeviceRun {
  device: SimulatedDevice;
  labels: MomentLabel[];
  legs: LegLabel[];
}

function checkOptions(o: SimulateFleetOptions): void {
  for (const [name, value, max] of [['seed', o.seed, 2 ** 32], ['devices', o.devices, 100_000], ['days', o.days, 366]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${name} must be an integer from 0 to ${max}, got ${value}`);
  }
  if (o.devices < 1 || o.days < 1) throw new RangeError('devices and days must be at least 1');
  if (typeof o.config === 'string') simulatorConfig(o.config);
  if (o.startMs !== undefined && !(Number.isFinite(o.startMs) && o.startMs >= Date.UTC(2000, 0, 1))) throw new RangeError(`startMs must be a UTC time in ms from 2000 on, got ${o.startMs}`);
  for (const [name, value] of Object.entries(o.rates ?? {})) {
    if (!(Number.isFinite(value) && value >= 0 && value <= 1) && name !== 'lookalikePerDeviceDay') throw new RangeError(`rates.${name} must be a probability from 0 to 1, got ${value}`);
    if (!(Number.isFinite(value) && value >= 0 && value <= 20)) throw new RangeError(`rates.${name} must be from 0 to 20 per device-day, got ${value}`);
  }
}

/** The fleet's chargers (depots, public chargers, home chargers) for these options. */
export function fleetChargers(options: SimulateFleetOptions): Charger[] {
  checkOptions(options);
  return buildFleetLayout(options.seed, options.devices, options.days, options.startMs ?? DEFAULT_START_MS, configOf(options)).chargers;
}

const configOf = (o: SimulateFleetOptions): SimulatorConfig => (typeof o.config === 'object' ? o.config : simulatorConfig(o.config ?? TRAIN_CONFIG_NAME));

/** The injection rates a run uses: the configuration's, overridden by the options'. */
function ratesOf(o: SimulateFleetOptions): InjectionRates {
  return { ...configOf(o).rates, ...o.rates };
}

/** Simulates one device of the layout: each device has its own PRNG stream, so devices are independent. */
function simulateDevice(layout: FleetLayout, index: number, options: SimulateFleetOptions, rates: InjectionRates): SimulatedDeviceRun {
  const { spec, site } = layout.devices[index]!;
  const startMs = options.startMs ?? DEFAULT_START_MS;
  const endMs = startMs + options.days * DAY_MS;
  const rand = new SeededRandom(options.seed).fork(index + 1);
  // The unit's own randomness (GPS dropouts) is a separate stream: emission never shifts physics.
  const out = new SeriesBuilder(spec.quirks, new SeededRandom(options.seed).fork(500_000 + index));
  const home = spec.home;
  const ctx: DeviceContext = {
    spec,
    rand,
    out,
    silent: false,
    deadUntilMs: null,
    labels: [],
    legs: [],
    // Only the chargers the drivers use; the small AC posts and exit chargers are on the map only.
    chargers: site.chargers.concat(home.chargerId.startsWith('home-') ? [home] : []),
    weather: site.weather,
    terrain: site.terrain,
    endMs,
    v: {
      tsMs: startMs - 60_000,
      lat: home.lat,
      lon: home.lon,
      altM: terrainAltM(site.terrain, home.lat, home.lon),
      speedKph: 0,
      socPct: rand.uniform(55, 95),
      packTempC: outsideTempC(site.weather, startMs) + rand.uniform(0, 4),
      odometerKm: Math.round(rand.uniform(3_000, 90_000)),
      setpointC: spec.setpointC,
      powerKw: 0,
      state: 'parked',
      errorCodes: null,
      gpsHidden: false,
      gpsOffsetLat: 0,
      gpsOffsetLon: 0,
      socShownPct: Number.NaN,
    },
  };
  // Local days start before or after UTC midnight; cover every one that overlaps the window.
  const firstDay = ctx.weather.utcOffsetH > 0 ? 0 : -1;
  for (let day = firstDay; day <= options.days; day++) simulateDay(ctx, day, rates);
  park(ctx, endMs);
  const series = clip(out.build(), startMs, endMs);
  // Incidents that begin inside the data (one running past the window's end ends there — a car
  // that went dark for good included); legs only when their outcome is inside the window.
  const lastMs = series.length ? series.tsMs[series.length - 1]! : startMs;
  const labels = ctx.labels.filter((l) => l.startMs >= startMs && l.startMs <= lastMs).map((l) => (l.endMs > endMs ? { ...l, endMs } : l));
  const legs = ctx.legs.filter((l) => l.departMs >= startMs && (l.arriveMs ?? l.strandedMs ?? l.departMs) < endMs);
  return {
    device: {
      deviceId: spec.deviceId,
      model: spec.model.model,
      fleet: spec.fleet,
      climate: spec.climate.climate,
      batteryKwh: spec.model.batteryKwh,
      heatPump: spec.model.heatPump,
      cutoffSocPct: Math.round(spec.cutoffSocPct * 100) / 100,
      registered: spec.registered,
      quirks: {
        wording: spec.quirks.wording,
        parkedHeartbeatS: spec.quirks.parkedHeartbeatS,
        standingCode: spec.quirks.standingCode,
        socStepPct: spec.quirks.socStepPct,
        speedStepKph: spec.quirks.speedStepKph,
        tempStepC: spec.quirks.tempStepC,
      },
      series,
    },
    labels,
    legs,
  };
}

function clip(s: TelemetrySeries, startMs: number, endMs: number): TelemetrySeries {
  let a = 0;
  while (a < s.length && s.tsMs[a]! < startMs) a++;
  let b = s.length;
  while (b > a && s.tsMs[b - 1]! >= endMs) b--;
  if (a === 0 && b === s.length) return s;
  return {
    length: b - a,
    tsMs: s.tsMs.slice(a, b),
    speedKph: s.speedKph.slice(a, b),
    socPct: s.socPct.slice(a, b),
    rangeKm: s.rangeKm.slice(a, b),
    batteryTempC: s.batteryTempC.slice(a, b),
    outsideTempC: s.outsideTempC.slice(a, b),
    cabinSetpointC: s.cabinSetpointC.slice(a, b),
    lat: s.lat.slice(a, b),
    lon: s.lon.slice(a, b),
    altM: s.altM.slice(a, b),
    odometerKm: s.odometerKm.slice(a, b),
    powerKw: s.powerKw.slice(a, b),
    state: s.state.slice(a, b),
    errorCodes: s.errorCodes.slice(a, b),
  };
}

/**
 * Device after device, so a caller can write each one out and let it go (a large fleet does not
 * fit in memory at once). Phases: layout (fleets, chargers, weather) → per device: days planned
 * and driven second by second, incidents and look-alikes injected with their labels → clip to the window.
 */
export function* simulateDevices(options: SimulateFleetOptions): Generator<SimulatedDeviceRun> {
  checkOptions(options);
  const rates = ratesOf(options);
  const layout = buildFleetLayout(options.seed, options.devices, options.days, options.startMs ?? DEFAULT_START_MS, configOf(options));
  for (let i = 0; i < options.devices; i++) yield simulateDevice(layout, i, options, rates);
}

/** A labelled synthetic fleet: same options, same output, bit for bit. */
export function simulateFleet(options: SimulateFleetOptions): SimulatedFleet {
  const fleet: SimulatedFleet = { devices: [], chargers: fleetChargers(options), labels: [], legs: [] };
  for (const run of simulateDevices(options)) {
    fleet.devices.push(run.device);
    fleet.labels.push(...run.labels);
    fleet.legs.push(...run.legs);
  }
  return fleet;
}
