import { predictKwhPerKm, type EnergyModel } from '../energy/energy-model.ts';
import type { DetectedEvent, Severity } from '../events/detected-event.ts';
import { eventId } from '../events/event-id.ts';
import type { TelemetrySeries } from '../telemetry-series.ts';
import type { DetectContext, Detector } from './detector.ts';
import { RollingBaseline } from './rolling-baseline.ts';
import { socResolutionPct } from './shortfall-exhaustion.ts';

const MINUTE_MS = 60_000;
/** The device's own recent behaviour each channel is compared with. */
const BASELINE_MS = 6 * 3600_000;
/** CUSUM restarts at each UTC hour, so its state never depends on where a series happens to begin. */
const CUSUM_BLOCK_MS = 3600_000;
/** Channels are measured over this many minutes (one minute of 1 Hz SoC is mostly quantisation). */
const SPAN_MIN = 5;
/** Battery temperatures are not judged this soon after charging. */
const AFTER_CHARGE_MS = 60 * MINUTE_MS;
/** Battery temperature from which a high level counts. */
const HOT_PACK_C = 45;
/** Alarms closer than this belong to one event. */
const QUIET_MS = 10 * MINUTE_MS;
/**
 * With the energy model, consumption is judged over this much road (up to CONSUMPTION_MAX_MS of
 * driving): on a whole-% gauge 10 km of ordinary driving is 2–4 % of SoC, so one gauge step is not
 * a third of the reading, and a reading that lagged and caught up does not look like a leak.
 */
const CONSUMPTION_KM = 10;
const CONSUMPTION_MAX_MS = 45 * MINUTE_MS;
/** ... and the SoC lost beyond what the device's usual ratio explains must exceed this many gauge steps. */
const CONSUMPTION_EXCESS_STEPS = 2;
/** Road where the climb term is more than this share of the flat-road expectation is not judged. */
const MAX_CLIMB_SHARE = 0.5;
/**
 * SoC per expected kWh is the car's own constant (capacity and efficiency), not the weather's, so
 * it is compared with two days of the device's driving: yesterday's mild drives judge a cold morning.
 */
const CONSUMPTION_BASELINE_MS = 48 * 3600_000;
/**
 * Values a minute apart over 10 km windows overlap: 30 of them are two independent windows. The
 * consumption baseline must span this much road (ten independent windows) before it judges.
 */
const CONSUMPTION_MIN_BASELINE_KM = 100;
/** Longest baseline window + one CUSUM block + one span, with room to spare. */
const LOOKBACK_MS = CONSUMPTION_BASELINE_MS + CUSUM_BLOCK_MS + 60 * MINUTE_MS;

interface Channel {
  subkind: 'battery_temp_rise' | 'battery_temp_level' | 'consumption' | 'soc_drop';
  signal: string;
  /** The device's own history the value is compared with (default BASELINE_MS). */
  baselineMs?: number;
  unit: string;
  /** Robust z-score that alarms on its own. */
  zThreshold: number;
  /** CUSUM slack and decision level, in z units: a sustained shift of a few σ alarms within minutes. */
  cusumK: number;
  cusumH: number;
  /** The spread never counts as smaller than this (°C/min, °C, %/km, %). */
  sigmaFloor: number;
  /** Fewer baseline values than this: no score (a new device or a long pause). */
  minBaseline: number;
  /** The value itself must also be this far from ordinary (so a calm device's tiny σ can't alarm on noise). */
  minValue: (baselineMedian: number) => number;
  /** Optional condition on the minute itself for an alarm (the score is kept either way). */
  alarmWhen?: (m: Minutes, k: number) => boolean;
  describe: (value: number, baselineMedian: number) => string;
}

const f1 = (v: number) => v.toFixed(1);
const f2 = (v: number) => v.toFixed(2);

const CHANNELS: readonly Channel[] = [
  {
    subkind: 'battery_temp_rise', signal: 'battery_temp_rise_c_per_min', unit: '°C/min',
    zThreshold: 6, cusumK: 1, cusumH: 20, sigmaFloor: 0.05, minBaseline: 30,
    // Packs warm at up to ~0.9 °C/min on a cold motorway start; a fault heats faster than that.
    minValue: (m) => m + 1.2,
    describe: (v, m) => `Battery temperature rising ${f2(v)} °C/min (usually ${f2(m)} °C/min)`,
  },
  {
    subkind: 'battery_temp_level', signal: 'battery_temp_above_outside_c', unit: '°C',
    zThreshold: 6, cusumK: 1, cusumH: 30, sigmaFloor: 1.5, minBaseline: 30,
    minValue: (m) => Math.max(m + 15, 25),
    // A pack parked warm after a winter drive sits 40 °C above the air and cools; a fault makes it hot.
    alarmWhen: (m, k) => m.batteryTempC[k]! >= HOT_PACK_C,
    describe: (v, m) => `Battery ${f1(v)} °C above outside air (usually ${f1(m)} °C)`,
  },
  {
    subkind: 'consumption', signal: 'consumption_pct_per_km', unit: '%/km',
    zThreshold: 6, cusumK: 1, cusumH: 25, sigmaFloor: 0.05, minBaseline: 30,
    minValue: (m) => m * 1.8 + 0.05,
    describe: (v, m) => `Consuming ${f2(v)} %/km (usually ${f2(m)} %/km)`,
  },
  {
    subkind: 'soc_drop', signal: 'unexplained_soc_drop_pct', unit: '%',
    zThreshold: 6, cusumK: 1, cusumH: 25, sigmaFloor: 0.3, minBaseline: 10,
    minValue: (m) => m + 2,
    describe: (v) => `State of charge fell ${f1(v)} % in ${SPAN_MIN} min without driving or charging`,
  },
];

/** The series reduced to one record per UTC minute holding what was known at its last sample. */
interface Minutes {
  length: number;
  key: Float64Array;
  tMs: Float64Array;
  socPct: Float64Array;
  distKm: Float64Array;
  chargingSamples: Float64Array;
  /** When the last charging sample was seen (NaN = none yet). */
  lastChargeMs: Float64Array;
  batteryTempC: Float64Array;
  outsideTempC: Float64Array;
  cabinSetpointC: Float64Array;
  altM: Float64Array;
  lat: Float64Array;
  lon: Float64Array;
  /** Driving time not covered by samples (gaps beyond the minute the distance is capped at), cumulative ms. */
  unseenDrivingMs: Float64Array;
}

/**
 * One pass over the samples: distance from speed (gaps capped at a minute), a causal
 * median-of-3 on SoC (a one-sample glitch never reaches a channel), last known temperatures.
 */
function toMinutes(s: TelemetrySeries): Minutes {
  const cap = s.length + 1;
  const m: Minutes = {
    length: 0, key: new Float64Array(cap), tMs: new Float64Array(cap), socPct: new Float64Array(cap), distKm: new Float64Array(cap),
    chargingSamples: new Float64Array(cap), lastChargeMs: new Float64Array(cap), batteryTempC: new Float64Array(cap), outsideTempC: new Float64Array(cap),
    cabinSetpointC: new Float64Array(cap), altM: new Float64Array(cap), lat: new Float64Array(cap), lon: new Float64Array(cap),
    unseenDrivingMs: new Float64Array(cap),
  };
  let dist = 0;
  let charging = 0;
  let lastChargeMs = Number.NaN;
  let soc1 = Number.NaN, soc2 = Number.NaN, soc3 = Number.NaN;
  let temp = Number.NaN, outside = Number.NaN, lat = Number.NaN, lon = Number.NaN, setpoint = Number.NaN, alt = Number.NaN;
  let prevT = Number.NaN;
  let prevSpeed = Number.NaN;
  let unseen = 0;
  for (let i = 0; i < s.length; i++) {
    const t = s.tsMs[i]!;
    const speed = s.speedKph[i]!;
    if (!Number.isNaN(prevT) && speed > 0) dist += (speed * Math.min(t - prevT, MINUTE_MS)) / 3_600_000;
    // Moving on both sides of a gap: the road in it is missing from the distance, not its SoC.
    // The SoC filter starts afresh after it: a median with readings from before the gap would carry the old SoC past it.
    if (!Number.isNaN(prevT) && speed > 0 && prevSpeed > 0 && t - prevT > MINUTE_MS) (unseen += t - prevT - MINUTE_MS), (soc1 = Number.NaN), (soc2 = Number.NaN);
    prevT = t;
    prevSpeed = speed;
    if (s.state[i] === 'charging' || s.powerKw[i]! < -1) (charging++), (lastChargeMs = t);
    const soc = s.socPct[i]!;
    if (!Number.isNaN(soc)) (soc1 = soc2), (soc2 = soc3), (soc3 = soc);
    if (!Number.isNaN(s.batteryTempC[i]!)) temp = s.batteryTempC[i]!;
    if (!Number.isNaN(s.outsideTempC[i]!)) outside = s.outsideTempC[i]!;
    if (!Number.isNaN(s.cabinSetpointC[i]!)) setpoint = s.cabinSetpointC[i]!;
    if (!Number.isNaN(s.altM[i]!)) alt = s.altM[i]!;
    if (!Number.isNaN(s.lat[i]!) && !Number.isNaN(s.lon[i]!)) (lat = s.lat[i]!), (lon = s.lon[i]!);
    const key = Math.floor(t / MINUTE_MS);
    const last = i + 1 === s.length || Math.floor(s.tsMs[i + 1]! / MINUTE_MS) !== key;
    if (!last) continue;
    const k = m.length++;
    m.key[k] = key;
    m.tMs[k] = t;
    m.socPct[k] = Number.isNaN(soc1) ? soc3 : Math.max(Math.min(soc1, soc2), Math.min(Math.max(soc1, soc2), soc3));
    m.distKm[k] = dist;
    m.chargingSamples[k] = charging;
    m.lastChargeMs[k] = lastChargeMs;
    m.batteryTempC[k] = temp;
    m.outsideTempC[k] = outside;
    m.cabinSetpointC[k] = setpoint;
    m.altM[k] = alt;
    m.lat[k] = lat;
    m.lon[k] = lon;
    m.unseenDrivingMs[k] = unseen;
  }
  return m;
}

interface OpenEvent {
  startMs: number;
  lastAlarmMs: number;
  peakZ: number;
  peakValue: number;
  peakAtMs: number;
  baseline: number;
  cusum: number;
  lat: number;
  lon: number;
}

function toEvent(ch: Channel, e: OpenEvent, deviceId: string): DetectedEvent {
  const severity: Severity = e.peakZ >= 2 * ch.zThreshold ? 'critical' : e.peakZ >= ch.zThreshold ? 'warning' : 'info';
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return {
    eventId: eventId(deviceId, 'anomaly', ch.subkind, e.startMs),
    deviceId,
    kind: 'anomaly',
    subkind: ch.subkind,
    severity,
    detector: DETECTOR_NAME,
    startMs: e.startMs,
    endMs: e.lastAlarmMs,
    lat: Number.isNaN(e.lat) ? null : e.lat,
    lon: Number.isNaN(e.lon) ? null : e.lon,
    summary: ch.describe(e.peakValue, e.baseline),
    score: round(e.peakZ),
    evidence: [
      { signal: ch.signal, value: round(e.peakValue), atMs: e.peakAtMs, note: `peak over the event, ${ch.unit}` },
      { signal: `${ch.signal}_baseline_median`, value: round(e.baseline), note: `device median over the previous ${(ch.baselineMs ?? BASELINE_MS) / 3_600_000} h` },
      { signal: 'robust_z', value: round(e.peakZ), threshold: ch.zThreshold },
      { signal: 'cusum', value: round(e.cusum), threshold: ch.cusumH, note: `one-sided CUSUM of z with slack ${ch.cusumK}, restarted hourly` },
    ],
  };
}

const DETECTOR_NAME = 'channel-anomalies@1';

/** Value of each channel at minute k, from minute k and the last minute at least SPAN_MIN before it. */
function channelValue(ch: Channel, m: Minutes, k: number, j: number): number {
  const dtMin = (m.tMs[k]! - m.tMs[j]!) / MINUTE_MS;
  const charged = m.chargingSamples[k]! > m.chargingSamples[j]!;
  const recentlyCharged = m.tMs[k]! - m.lastChargeMs[k]! < AFTER_CHARGE_MS;
  const distKm = m.distKm[k]! - m.distKm[j]!;
  const socDrop = m.socPct[j]! - m.socPct[k]!;
  switch (ch.subkind) {
    // Fast charging heats a pack by design and it stays warm for a while: temperatures are judged
    // against driving and parking away from a charge only.
    case 'battery_temp_rise':
      return recentlyCharged ? Number.NaN : (m.batteryTempC[k]! - m.batteryTempC[j]!) / dtMin;
    case 'battery_temp_level':
      return recentlyCharged ? Number.NaN : m.batteryTempC[k]! - m.outsideTempC[k]!;
    case 'consumption':
      return !charged && distKm >= 1 ? socDrop / distKm : Number.NaN;
    case 'soc_drop':
      return !charged && distKm < 0.05 ? socDrop : Number.NaN;
  }
}

export interface ChannelAnomalyOptions {
  /**
   * With it, consumption is observed SoC per km over what the model expects for the speed,
   * outside and pack temperature, heating and climb of the same road: a cold morning after a mild
   * afternoon costs more and the model says so, so only consumption the conditions do not explain
   * stands out. Without it, plain %/km against the last 6 h.
   */
  energyModel?: EnergyModel;
}

/** Consumption over the last CONSUMPTION_KM of road, as SoC % per kWh the model expects there. */
function modelConsumption(model: EnergyModel, m: Minutes, k: number, j: number): { value: number; socDropPct: number; expectedKwh: number } | null {
  const distKm = m.distKm[k]! - m.distKm[j]!;
  const hours = (m.tMs[k]! - m.tMs[j]!) / 3_600_000;
  if (m.chargingSamples[k]! > m.chargingSamples[j]! || distKm < CONSUMPTION_KM || hours <= 0) return null;
  // Road driven while the data was lost (a tunnel, a dropped connection) has no distance but its
  // SoC is gone: such a window over-states the consumption, so it is not judged.
  if (m.unseenDrivingMs[k]! > m.unseenDrivingMs[j]!) return null;
  const mean = (a: Float64Array) => (Number.isFinite(a[j]!) && Number.isFinite(a[k]!) ? (a[j]! + a[k]!) / 2 : a[k]!);
  const climb = m.altM[k]! - m.altM[j]!;
  const conditions = { avgSpeedKph: distKm / hours, outsideTempC: mean(m.outsideTempC), batteryTempC: mean(m.batteryTempC), cabinSetpointC: m.cabinSetpointC[k]! };
  const kwhPerKm = predictKwhPerKm(model, { ...conditions, climbMPerKm: Number.isFinite(climb) ? climb / distKm : 0 });
  // Where climbing or descending is most of the expectation, what the car uses depends on how much
  // its regeneration recovers (and on the altitude's noise), which the model knows only roughly.
  const flat = predictKwhPerKm(model, conditions);
  if (Math.abs(kwhPerKm - flat) > MAX_CLIMB_SHARE * flat) return null;
  const socDropPct = m.socPct[j]! - m.socPct[k]!;
  if (!Number.isFinite(socDropPct)) return null;
  return { value: socDropPct / (kwhPerKm * distKm), socDropPct, expectedKwh: kwhPerKm * distKm };
}

const CONSUMPTION_VS_MODEL: Channel = {
  subkind: 'consumption', signal: 'soc_pct_per_expected_kwh', unit: '% of SoC per kWh the energy model expects',
  baselineMs: CONSUMPTION_BASELINE_MS,
  zThreshold: 6, cusumK: 1, cusumH: 25, sigmaFloor: 0.1, minBaseline: 30,
  // 1.8× the device's own SoC per expected kWh: beyond the model's p95 band and the spread between drivers.
  minValue: (m) => m * 1.8,
  describe: (v, m) => `Consuming ${f1(v / m)}× what the energy model expects for the speed, temperature and climb (${f2(v)} against usually ${f2(m)} % of SoC per expected kWh)`,
};

/**
 * Per-channel anomalies, causal (a score at a minute uses only samples up to it): the channel's
 * value is compared with the device's own last 6 h by a robust z-score (rolling median and
 * quartile spread) and a one-sided CUSUM catches a smaller shift that lasts. Phases: samples →
 * minute records → channel values → scores → events.
 */
export function createChannelAnomalyDetector(options: ChannelAnomalyOptions = {}): Detector {
  const model = options.energyModel;
  const channels = model ? CHANNELS.map((c) => (c.subkind === 'consumption' ? CONSUMPTION_VS_MODEL : c)) : CHANNELS;
  return {
    name: DETECTOR_NAME,
    lookbackMs: LOOKBACK_MS,
    async detect(series: TelemetrySeries, ctx: DetectContext): Promise<DetectedEvent[]> {
      const m = toMinutes(series);
      const events: DetectedEvent[] = [];
      const gaugeStepPct = model ? socResolutionPct(series, series.length - 1) : 0;
      for (const ch of channels) {
        const byModel = model !== undefined && ch === CONSUMPTION_VS_MODEL;
        const baseline = new RollingBaseline(ch.baselineMs ?? BASELINE_MS);
        let cusum = 0;
        let block = Number.NaN;
        let open: OpenEvent | undefined;
        const emit = () => {
          if (open && open.startMs >= ctx.fromMs) events.push(toEvent(ch, open, ctx.deviceId));
          open = undefined;
        };
        let j = 0;
        let jc = 0;
        // Road covered by the consumption baseline: odometer-like distance at each value kept.
        const keptAt: { tMs: number; distKm: number }[] = [];
        let keptHead = 0;
        for (let k = 0; k < m.length; k++) {
          let v: number;
          let excessPct = Number.POSITIVE_INFINITY;
          if (byModel) {
            // The latest minute at least CONSUMPTION_KM of road back, within CONSUMPTION_MAX_MS.
            while (jc + 1 < k && m.distKm[k]! - m.distKm[jc + 1]! >= CONSUMPTION_KM) jc++;
            if (jc >= k || m.tMs[k]! - m.tMs[jc]! > CONSUMPTION_MAX_MS) continue;
            const c = modelConsumption(model, m, k, jc);
            if (!c) continue;
            v = c.value;
            // SoC lost beyond what the device's usual ratio gives for this road.
            if (baseline.count > 0) excessPct = c.socDropPct - baseline.median() * c.expectedKwh;
          } else {
            while (j + 1 < k && m.key[j + 1]! <= m.key[k]! - SPAN_MIN) j++;
            const gapMin = m.key[k]! - m.key[j]!;
            if (j >= k || gapMin < SPAN_MIN || gapMin > 2 * SPAN_MIN) continue;
            v = channelValue(ch, m, k, j);
          }
          if (!Number.isFinite(v)) continue;
          const t = m.tMs[k]!;
          baseline.expire(t);
          if (Math.floor(t / CUSUM_BLOCK_MS) !== block) (block = Math.floor(t / CUSUM_BLOCK_MS)), (cusum = 0);
          let enoughRoad = true;
          if (byModel) {
            while (keptHead < keptAt.length && keptAt[keptHead]!.tMs <= t - (ch.baselineMs ?? BASELINE_MS)) keptHead++;
            enoughRoad = keptHead < keptAt.length && m.distKm[k]! - keptAt[keptHead]!.distKm >= CONSUMPTION_MIN_BASELINE_KM;
          }
          if (baseline.count >= ch.minBaseline && enoughRoad) {
            const median = baseline.median();
            const z = (v - median) / baseline.spread(ch.sigmaFloor);
            // Capped so one wild value cannot carry the CUSUM for the rest of the hour.
            cusum = Math.max(0, cusum + Math.min(z, 2 * ch.zThreshold) - ch.cusumK);
            const alarm =
              v >= ch.minValue(median) && (z >= ch.zThreshold || cusum >= ch.cusumH) && (ch.alarmWhen?.(m, k) ?? true) &&
              (!byModel || excessPct >= CONSUMPTION_EXCESS_STEPS * gaugeStepPct);
            if (alarm) {
              if (open && t - open.lastAlarmMs > QUIET_MS) emit();
              open ??= { startMs: t, lastAlarmMs: t, peakZ: z, peakValue: v, peakAtMs: t, baseline: median, cusum, lat: m.lat[k]!, lon: m.lon[k]! };
              open.lastAlarmMs = t;
              if (z > open.peakZ) Object.assign(open, { peakZ: z, peakValue: v, peakAtMs: t, baseline: median, cusum });
            }
          }
          baseline.add(t, v);
          if (byModel) keptAt.push({ tMs: t, distKm: m.distKm[k]! });
        }
        emit();
      }
      return events.sort((a, b) => a.startMs - b.startMs || a.subkind.localeCompare(b.subkind));
    },
  };
}
