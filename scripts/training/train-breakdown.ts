/**
 * Trains the breakdown model and writes models/breakdown.onnx, its model card and its metrics.
 *
 *   simulate a training fleet (seed 1) → rules candidates → label each by overlap with the
 *   simulator's ground truth → split by device (every 5th device held out) → deterministic MLP
 *   training → ONNX bytes → metrics on the held-out devices → files
 *
 * Training and tuning use the simulator's 'train' configuration only (seed 1); the evaluation (scripts/eval) reports on held-out configurations,
 * so nothing here has seen the fleet it is scored on.
 *
 *   npm run train:breakdown            rebuild and write the three files
 *   npm run train:breakdown -- --check rebuild in memory; exit 1 if the bytes differ from the files
 *
 * Ends by printing one line of JSON with the figures.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BREAKDOWN_FEATURES, breakdownFeatureRow } from '../../src/domain/detect/breakdown-features.ts';
import { findBreakdownCandidates, type BreakdownCandidate } from '../../src/domain/detect/breakdown-rules.ts';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { mlpForward, writeOnnxMlp, type MlpModel } from '../../src/models/onnx-mlp-writer.ts';
import { mulberry32 } from '../../src/domain/seeded-random.ts';
import { DEFAULT_MLP_TRAINING, trainMlp, type MlpTrainingOptions } from '../../src/models/train-mlp.ts';

/** What the trainer needs from a simulated fleet (simulateFleet's result has more). */
export interface TrainingFleet {
  devices: readonly { deviceId: string; series: TelemetrySeries; registered?: boolean; model?: string; batteryKwh?: number; cutoffSocPct?: number; heatPump?: boolean }[];
  /** The end of the simulated window: "now" for the rules (a silence at the end is judged against it). */
  endMs?: number;
  labels: readonly { deviceId: string; kind: string; subkind: string; startMs: number; endMs: number }[];
}

export interface BreakdownTrainingConfig {
  seed: number;
  devices: number;
  days: number;
  /** Devices whose index % holdoutEvery === holdoutEvery − 1 are held out for the metrics. */
  holdoutEvery: number;
  threshold: number;
  /** Jittered copies of each training row (see `augment`); 0 = none. */
  augmentCopies: number;
  training: MlpTrainingOptions;
}

export const FULL_CONFIG: BreakdownTrainingConfig = { seed: 1, devices: 60, days: 14, holdoutEvery: 5, threshold: 0.5, augmentCopies: 8, training: DEFAULT_MLP_TRAINING };
/** The only simulator configuration the model may be fitted on; the held-out ones are for the evaluation. */
export const TRAINING_SIMULATOR_CONFIG = 'train';

/**
 * How far each continuous feature is jittered in the augmented copies (uniform ±). A simulated
 * fleet repeats a few speed profiles; without the jitter the model draws sharp boundaries in
 * speed or SoC between examples that differ only in the fault, which real cars do not respect.
 */
const JITTER: Partial<Record<(typeof BREAKDOWN_FEATURES)[number], { spread: number; min: number; max: number }>> = {
  speed_at_loss_kph: { spread: 15, min: 0, max: 250 },
  soc_at_loss_pct: { spread: 20, min: 0, max: 100 },
  max_speed_before_kph: { spread: 15, min: 0, max: 250 },
  decel_mps2: { spread: 0.4, min: -5, max: 10 },
  coast_fraction: { spread: 0.1, min: 0, max: 1 },
  regen_fraction: { spread: 0.1, min: 0, max: 1 },
  pack_temp_excess_c: { spread: 3, min: 0, max: 60 },
  rest_min: { spread: 2, min: 0, max: 15 },
  gap_min: { spread: 2, min: 0, max: 15 },
  off_after_fraction: { spread: 0.1, min: 0, max: 1 },
};

/** The training rows plus `copies` seeded, jittered copies of each (labels unchanged); deterministic. */
function augment(rows: Row[], copies: number, seed: number): [number[][], number[]] {
  const rand = mulberry32(seed * 7919 + 17);
  const x: number[][] = rows.map((r) => r.features);
  const y: number[] = rows.map((r) => r.label);
  for (let c = 0; c < copies; c++) {
    for (const r of rows) {
      x.push(r.features.map((v, j) => {
        const jitter = JITTER[BREAKDOWN_FEATURES[j]!];
        if (!jitter) return v;
        // A feature sitting at an end of its range (0 = none of it) keeps its meaning.
        if (v === jitter.min && (BREAKDOWN_FEATURES[j]!.endsWith('fraction') || BREAKDOWN_FEATURES[j] === 'pack_temp_excess_c' || BREAKDOWN_FEATURES[j] === 'gap_min')) return v;
        return Math.min(jitter.max, Math.max(jitter.min, v + (rand() * 2 - 1) * jitter.spread));
      }));
      y.push(r.label);
    }
  }
  return [x, y];
}

/** A candidate matches a breakdown label when its moment falls inside the incident (5 min slack before: the signature may start early). */
const MATCH_BEFORE_MS = 5 * 60_000;
const MATCH_AFTER_MS = 60_000;

export interface BreakdownMetrics {
  config: Omit<BreakdownTrainingConfig, 'training'> & { training: MlpTrainingOptions };
  candidates: { train: number; trainPositive: number; trainExcused: number; heldOut: number; heldOutPositive: number };
  train: SplitMetrics;
  heldOut: SplitMetrics;
}

export interface BuiltModel {
  onnx: Uint8Array;
  card: string;
  metrics: BreakdownMetrics;
  model: MlpModel;
}

type SplitMetrics = ReturnType<typeof evaluate>;

interface Row {
  deviceId: string;
  candidate: BreakdownCandidate;
  features: number[];
  label: 0 | 1;
  /** Kept by the rules (scored in service); false: a training negative the rules drop. */
  kept: boolean;
}

export async function simulateTrainingFleet(config: BreakdownTrainingConfig): Promise<TrainingFleet> {
  // Loaded lazily: the trainer itself (and its tests) work on any fleet.
  const path = '../../src/simulate/simulate-fleet.ts';
  const { simulateFleet, DEFAULT_START_MS } = (await import(path)) as { DEFAULT_START_MS: number; simulateFleet: (o: { seed: number; devices: number; days: number; config: string }) => TrainingFleet };
  const fleet = simulateFleet({ seed: config.seed, devices: config.devices, days: config.days, config: TRAINING_SIMULATOR_CONFIG });
  return { ...fleet, endMs: DEFAULT_START_MS + config.days * 86_400_000 };
}

export function buildBreakdownModel(fleet: TrainingFleet, config: BreakdownTrainingConfig): BuiltModel {
  const rows = candidateRows(fleet);
  const heldOut = new Set(fleet.devices.filter((_, i) => i % config.holdoutEvery === config.holdoutEvery - 1).map((d) => d.deviceId));
  const train = rows.filter((r) => !heldOut.has(r.deviceId));
  const test = rows.filter((r) => r.kept && heldOut.has(r.deviceId));
  if (!train.some((r) => r.label === 1) || !train.some((r) => r.label === 0)) {
    throw new Error(`the training split needs both classes: ${train.filter((r) => r.label === 1).length} breakdown and ${train.filter((r) => r.label === 0).length} other candidates`);
  }
  const [augRows, augLabels] = augment(train, config.augmentCopies, config.training.seed);
  const model = trainMlp(BREAKDOWN_FEATURES, augRows, augLabels, config.training);
  const metrics: BreakdownMetrics = {
    config: { seed: config.seed, devices: config.devices, days: config.days, holdoutEvery: config.holdoutEvery, threshold: config.threshold, augmentCopies: config.augmentCopies, training: config.training },
    candidates: { train: train.length, trainPositive: train.filter((r) => r.label).length, trainExcused: train.filter((r) => !r.kept).length, heldOut: test.length, heldOutPositive: test.filter((r) => r.label).length },
    train: evaluate(fleet, rows, model, config, (id) => !heldOut.has(id)),
    heldOut: evaluate(fleet, rows, model, config, (id) => heldOut.has(id)),
  };
  const onnx = writeOnnxMlp(model, {
    docString: 'Telltale breakdown classifier: probability that a rules candidate is a breakdown',
    props: { detector: 'breakdown@1', seed: String(config.seed), threshold: String(config.threshold) },
  });
  return { onnx, model, metrics, card: modelCard(metrics) };
}

function candidateRows(fleet: TrainingFleet): Row[] {
  const breakdowns = new Map<string, TrainingFleet['labels'][number][]>();
  for (const l of fleet.labels) if (l.kind === 'breakdown') (breakdowns.get(l.deviceId) ?? breakdowns.set(l.deviceId, []).get(l.deviceId)!).push(l);
  const rows: Row[] = [];
  for (const d of fleet.devices) {
    // What the service would know: the facts of registered devices only, and "now" = the window's end.
    const device = d.registered ? { model: d.model, batteryKwh: d.batteryKwh, cutoffSocPct: d.cutoffSocPct, heatPump: d.heatPump } : undefined;
    const label = (c: BreakdownCandidate): 0 | 1 => ((breakdowns.get(d.deviceId) ?? []).some((l) => matches(c, l)) ? 1 : 0);
    const excused: BreakdownCandidate[] = [];
    const onDropped = (c: BreakdownCandidate, reason: string) => {
      if (EXCUSED_BY_BEHAVIOUR.has(reason)) excused.push(c);
    };
    for (const c of findBreakdownCandidates(d.series, { device, nowMs: fleet.endMs, onDropped })) {
      rows.push({ deviceId: d.deviceId, candidate: c, features: breakdownFeatureRow(c), label: label(c), kept: true });
    }
    // Inside a breakdown's incident an excused moment is a stop of the same story (a limp on, a
    // restart), neither a clean negative nor what the model is asked about: left out.
    for (const c of excused) if (label(c) === 0) rows.push({ deviceId: d.deviceId, candidate: c, features: breakdownFeatureRow(c), label: 0, kept: false });
  }
  return rows;
}

/**
 * Candidates with a fault sign that the rules then excused by what the car did (stopped under
 * regeneration, drove on soon, crept on, charged, drove on through the silence): the moments
 * nearest to a breakdown that are not one. They are training negatives only — the rules drop them
 * before any score, so the metrics judge the candidates the rules keep (and those inside a
 * breakdown's incident are left out). Once the rules leave no
 * false candidate on the training fleet, these are the negatives there are.
 */
const EXCUSED_BY_BEHAVIOUR = new Set(['driver_stop', 'drove_on_soon', 'drove_on_within_10_min', 'rest_too_short', 'crept_under_power', 'charged_there', 'drove_on', 'live_window_end']);

const matches = (c: BreakdownCandidate, l: { startMs: number; endMs: number }) => c.startMs >= l.startMs - MATCH_BEFORE_MS && c.startMs <= l.endMs + MATCH_AFTER_MS;

/** Event-level figures over a set of devices: label recall, false alarms per 1,000 driving hours, delay. */
function evaluate(fleet: TrainingFleet, rows: Row[], model: MlpModel, config: BreakdownTrainingConfig, include: (deviceId: string) => boolean) {
  const mine = rows.filter((r) => r.kept && include(r.deviceId));
  const f = BREAKDOWN_FEATURES.length;
  const packed = new Float32Array(mine.length * f);
  mine.forEach((r, i) => packed.set(r.features, i * f));
  const p = mlpForward(model, packed, mine.length);
  const fired = mine.filter((_, i) => p[i]! >= config.threshold);
  const labels = fleet.labels.filter((l) => l.kind === 'breakdown' && include(l.deviceId));
  let detected = 0;
  let rulesFound = 0;
  const delaysS: number[] = [];
  const missed: string[] = [];
  const byId = new Map(fleet.devices.map((d) => [d.deviceId, d.series]));
  let observable = 0;
  let observableDetected = 0;
  for (const l of labels) {
    // A label with no sample at all inside it cannot be detected from the data (the unit was silent throughout).
    const s = byId.get(l.deviceId);
    const seen = s ? hasSampleIn(s, l.startMs, l.endMs) : false;
    if (seen) observable++;
    if (seen && fired.some((r) => r.deviceId === l.deviceId && matches(r.candidate, l))) observableDetected++;
    if (mine.some((r) => r.deviceId === l.deviceId && matches(r.candidate, l))) rulesFound++;
    const hit = fired.find((r) => r.deviceId === l.deviceId && matches(r.candidate, l));
    if (hit) {
      detected++;
      delaysS.push((hit.candidate.startMs - l.startMs) / 1000);
    } else missed.push(`${l.deviceId}:${l.subkind}@${new Date(l.startMs).toISOString()}${seen ? '' : ' (unobservable)'}`);
  }
  const falseAlarms = fired.filter((r) => r.label === 0);
  const hours = fleet.devices.filter((d) => include(d.deviceId)).reduce((s, d) => s + drivingHours(d.series), 0);
  const round = (v: number, k = 4) => Math.round(v * 10 ** k) / 10 ** k;
  delaysS.sort((a, b) => a - b);
  return {
    breakdowns: labels.length,
    rulesRecall: labels.length ? round(rulesFound / labels.length) : null,
    recall: labels.length ? round(detected / labels.length) : null,
    observableBreakdowns: observable,
    observableRecall: observable ? round(observableDetected / observable) : null,
    falseAlarms: falseAlarms.length,
    /** The rules alone (every candidate an event): what the model adds is the difference. */
    rulesFalseAlarms: mine.filter((r) => r.label === 0).length,
    drivingHours: round(hours, 1),
    falseAlarmsPer1000h: hours > 0 ? round((falseAlarms.length / hours) * 1000, 3) : null,
    rulesFalseAlarmsPer1000h: hours > 0 ? round((mine.filter((r) => r.label === 0).length / hours) * 1000, 3) : null,
    medianStartOffsetS: delaysS.length ? delaysS[Math.floor(delaysS.length / 2)]! : null,
    maxStartOffsetS: delaysS.length ? delaysS.at(-1)! : null,
    missed,
    falseAlarmSubkinds: falseAlarms.map((r) => `${r.deviceId}:${r.candidate.subkind}@${new Date(r.candidate.startMs).toISOString()}`),
  };
}

function hasSampleIn(s: TelemetrySeries, fromMs: number, toMs: number): boolean {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s.tsMs[mid]! < fromMs) lo = mid + 1;
    else hi = mid;
  }
  return lo < s.length && s.tsMs[lo]! <= toMs;
}

/** Time between consecutive moving samples at most 30 s apart. */
export function drivingHours(s: TelemetrySeries): number {
  let ms = 0;
  for (let i = 1; i < s.length; i++) {
    const dt = s.tsMs[i]! - s.tsMs[i - 1]!;
    if (dt <= 30_000 && s.speedKph[i - 1]! >= 3) ms += dt;
  }
  return ms / 3_600_000;
}

function modelCard(metrics: BreakdownMetrics): string {
  const c = metrics.config;
  const h = metrics.heldOut;
  const t = metrics.train;
  return [
    '# Breakdown model (breakdown@1)',
    '',
    'Scores the candidates of the breakdown rules stage (`src/domain/detect/breakdown-rules.ts`) with the',
    'probability that the moment is a real breakdown (the vehicle shut down while being driven) rather than',
    'a look-alike: a connection drop, a tunnel, stop-and-go traffic, a car-park crawl, parking at a destination,',
    'an empty battery (a charge shortfall, not a breakdown).',
    '',
    '## Model',
    '',
    `- ONNX (opset 13): input \`features\` float32 [N, ${BREAKDOWN_FEATURES.length}], output \`probability\` float32 [N, 1].`,
    `- standardise (mean/std of the training rows, inside the graph) → dense ${c.training.hidden} tanh → dense 1 → sigmoid.`,
    `- Trained in plain TypeScript (\`src/models/train-mlp.ts\`): seeded init (seed ${c.training.seed}), full-batch Adam,`,
    `  ${c.training.epochs} epochs, learning rate ${c.training.learningRate}, L2 ${c.training.l2}, positives weighted to balance the classes.`,
    `- Each training row also enters as ${c.augmentCopies} seeded copies with its continuous features jittered (speed ±15 kph, SoC ±20 %,`,
    '  deceleration ±0.4 m/s², fractions ±0.1, …; see `JITTER` in the training script), so the score does not hinge on',
    '  the few speed profiles the simulator repeats.',
    `- Decision threshold: ${c.threshold} (the detector's default).`,
    '',
    '## Features (in input order; definitions in `src/domain/detect/breakdown-features.ts`)',
    '',
    ...BREAKDOWN_FEATURES.map((f, i) => `${i + 1}. \`${f}\``),
    '',
    '## Training data',
    '',
    `- Simulated fleet: \`simulateFleet({ seed: ${c.seed}, devices: ${c.devices}, days: ${c.days}, config: '${TRAINING_SIMULATOR_CONFIG}' })\` (src/simulate).`,
    `  Training and tuning use the '${TRAINING_SIMULATOR_CONFIG}' configuration only; the evaluation reports on held-out configurations (other climates, vehicles, habits, unit quirks).`,
    `- A candidate is a positive when its moment lies within a breakdown label (from ${MATCH_BEFORE_MS / 60_000} min before its start to 1 min after its end).`,
    `- Split by device: every ${c.holdoutEvery}th device is held out.`,
    `- Candidates: ${metrics.candidates.train} for training (${metrics.candidates.trainPositive} breakdowns; ${metrics.candidates.trainExcused} of them moments with a fault sign that the rules`,
    '  excused by what the car did next — a stop under regeneration, driving on soon, creeping on, charging — which the rules drop before',
    `  any score and the model learns as negatives), ${metrics.candidates.heldOut} kept by the rules on the held-out devices (${metrics.candidates.heldOutPositive} breakdowns).`,
    '',
    '## Metrics (threshold ' + c.threshold + ')',
    '',
    '| split | breakdowns | rules recall | recall | observable | recall of observable | rules false alarms / 1,000 h | false alarms | driving h | false alarms / 1,000 h | median start offset s |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...([['train', t], ['held out', h]] as const).map(([name, m]) => `| ${name} | ${m.breakdowns} | ${m.rulesRecall} | ${m.recall} | ${m.observableBreakdowns} | ${m.observableRecall} | ${m.rulesFalseAlarmsPer1000h} | ${m.falseAlarms} | ${m.drivingHours} | ${m.falseAlarmsPer1000h} | ${m.medianStartOffsetS} |`),
    '',
    'Observable: breakdowns with at least one sample between their start and end. An earlier simulator version',
    'left some devices silent across a whole incident; nothing in the data shows such a breakdown, so they are',
    'counted apart (and marked "(unobservable)" under `missed` in the metrics).',
    '',
    '## Limits',
    '',
    `- Few negatives: the rules drop every look-alike of the training fleet, so the model's ${metrics.candidates.train - metrics.candidates.trainPositive} negatives are the moments`,
    `  the rules excused (see above); ${metrics.candidates.heldOut - metrics.candidates.heldOutPositive} of the held-out candidates the rules keep are not breakdowns. The held-out false-alarm figure mostly measures the rules.`,
    '- All training data is simulated. The rules are physical (no propulsion, off while moving, fault-code families,',
    '  what the car does next), and the real twizy-rsk trips and the Model S reconstruction are tested (no candidate on the',
    '  former; the latter\'s ramp shutdown found with its tow), but the model has never seen a real breakdown.',
    '- The jitter in training was added after a one-off check on a seed-3 fleet (not the evaluation seed) found a thermal',
    '  shutdown scored 0.24 by a model trained without it. No figure from that check is used in training.',
    '',
    'Start offset: detected start minus the label start (the label starts at the first sign, e.g. the first fault code).',
    '',
    '## Rebuild',
    '',
    '```sh',
    'npm run train:breakdown            # writes models/breakdown.onnx, .model-card.md, .metrics.json',
    'npm run train:breakdown -- --check # exit 1 if a rebuild is not byte-identical to the committed files',
    '```',
    '',
    'Changing a feature, a rule threshold or the simulator changes the model: rebuild and commit all three files.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const dir = join(import.meta.dirname, '../../models');
  const fleet = await simulateTrainingFleet(FULL_CONFIG);
  const built = buildBreakdownModel(fleet, FULL_CONFIG);
  const files: [string, Uint8Array][] = [
    ['breakdown.onnx', built.onnx],
    ['breakdown.model-card.md', new TextEncoder().encode(built.card)],
    ['breakdown.metrics.json', new TextEncoder().encode(`${JSON.stringify(built.metrics, null, 2)}\n`)],
  ];
  const differing: string[] = [];
  if (check) {
    for (const [name, bytes] of files) {
      const committed = await readFile(join(dir, name)).catch(() => null);
      if (!committed || Buffer.compare(committed, Buffer.from(bytes)) !== 0) differing.push(name);
    }
  } else {
    await mkdir(dir, { recursive: true });
    for (const [name, bytes] of files) await writeFile(join(dir, name), bytes);
  }
  const h = built.metrics.heldOut;
  console.log(JSON.stringify({ mode: check ? 'check' : 'write', identical: check ? differing.length === 0 : null, differing, onnxBytes: built.onnx.length, ...built.metrics.candidates, heldOutRecall: h.recall, heldOutObservableRecall: h.observableRecall, heldOutRulesRecall: h.rulesRecall, heldOutRulesFalseAlarmsPer1000h: h.rulesFalseAlarmsPer1000h, heldOutFalseAlarmsPer1000h: h.falseAlarmsPer1000h, heldOutDrivingHours: h.drivingHours, heldOutMedianStartOffsetS: h.medianStartOffsetS }));
  if (differing.length > 0) process.exitCode = 1;
}

if (import.meta.main) await main();
