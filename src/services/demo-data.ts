import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAnnotationsFile } from '../annotations/read-annotations-file.ts';
import { loadAlertConfig } from '../alerts/alert-config.ts';
import { parseChargersCsv } from '../chargers/parse-chargers-csv.ts';
import type { AlertRuleService } from './alert-rule-service.ts';
import type { AnnotationService } from './annotation-service.ts';
import type { ChargerService } from './charger-service.ts';
import type { DeviceService } from './device-service.ts';
import type { IngestService } from './ingest-service.ts';

export const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/', import.meta.url));
export const MODEL_S_DEVICE = 'model-s-2013';
export const TWIZY_DEVICE = 'twizy-rsk';

/**
 * What the demo's devices are, so the fleet overview's filters (fleet, model) have something to
 * filter: the Model S 85 lent to the press, driven in Connecticut (its pages read in miles, mph
 * and °F: domain/replay/unit-system.ts), and the Twizy of the RSK study in Morocco.
 */
export const DEMO_DEVICE_FACTS = {
  [MODEL_S_DEVICE]: { model: 'Tesla Model S 85', fleet: 'Press cars', region: 'US-CT' },
  [TWIZY_DEVICE]: { model: 'Renault Twizy', fleet: 'RSK study (Morocco)', region: 'MA' },
} as const;

/** The services the demo data goes through: the same ingest (and post-commit work) as any upload. */
export interface DemoTarget {
  ingest: IngestService;
  chargers: ChargerService;
  annotations: Pick<AnnotationService, 'import'>;
  alertRules: Pick<AlertRuleService, 'put'>;
  devices: Pick<DeviceService, 'setMetadata'>;
}

/**
 * The demo's alert rule (fixtures/demo-alert-rules.json: breakdowns and charge shortfalls), so
 * `npm start` has incidents. Stored before the data, and applied to events already stored, so a
 * store that had the data before the rule (an earlier start) gets its incidents too. Its webhook
 * points at a closed loopback port: the outbox shows each notice refused, and nothing leaves the machine.
 */
export async function loadDemoAlertRules(target: Pick<DemoTarget, 'alertRules'>, log: (msg: string) => void, fixturesDir = FIXTURES_DIR): Promise<void> {
  const config = loadAlertConfig(join(fixturesDir, 'demo-alert-rules.json'));
  for (const rule of config.rules) {
    const { applied } = await target.alertRules.put(rule, { applyToExisting: true });
    log(`demo alert rule ${rule.ruleId}: applied to ${applied} stored events`);
  }
}

/** The bundled real trips and the Model S drive, loaded on `serve --demo` (idempotent: a second load is all duplicates). */
export async function loadDemoData(target: DemoTarget, log: (msg: string) => void, fixturesDir = FIXTURES_DIR): Promise<void> {
  await loadDemoAlertRules(target, log, fixturesDir);
  const dir = join(fixturesDir, TWIZY_DEVICE);
  await target.devices.setMetadata(TWIZY_DEVICE, DEMO_DEVICE_FACTS[TWIZY_DEVICE]);
  for (const file of readdirSync(dir).filter((f) => /\.csv(\.gz)?$/.test(f)).sort()) {
    const s = await target.ingest.ingest({
      input: { path: join(dir, file) },
      format: 'csv',
      source: `fixtures/${TWIZY_DEVICE}/${file}`,
      deviceId: TWIZY_DEVICE,
      profile: 'twizy-rsk',
    });
    log(`demo data ${file}: ${s.accepted} accepted, ${s.duplicates} duplicates, ${s.rejected} rejected`);
  }
  await loadModelSDemoData(target, fixturesDir, log);
}

/**
 * The reconstructed 2013 Model S test drive (fixtures/model-s-2013): telemetry, the chargers on its
 * route and the annotated claims. Idempotent: a second load is all duplicates and replacements.
 * Chargers go in before the telemetry so detection after the commit already knows them.
 */
export async function loadModelSDemoData(target: Omit<DemoTarget, 'alertRules'>, fixturesDir: string, log: (msg: string) => void): Promise<void> {
  const dir = join(fixturesDir, MODEL_S_DEVICE);
  const { chargers, errors } = parseChargersCsv(readFileSync(join(dir, 'chargers.csv'), 'utf8'));
  if (errors.length) throw new Error(`fixtures/${MODEL_S_DEVICE}/chargers.csv line ${errors[0]!.line}: ${errors[0]!.field} ${errors[0]!.reason}`);
  const c = await target.chargers.upsert(chargers, `fixtures/${MODEL_S_DEVICE}/chargers.csv`);
  const s = await target.ingest.ingest({
    input: { path: join(dir, 'telemetry.csv.gz') },
    format: 'csv',
    source: `fixtures/${MODEL_S_DEVICE}/telemetry.csv.gz`,
    deviceId: MODEL_S_DEVICE,
  });
  await target.devices.setMetadata(MODEL_S_DEVICE, DEMO_DEVICE_FACTS[MODEL_S_DEVICE]);
  const notes = readAnnotationsFile(join(dir, 'annotations.json'));
  const a = await target.annotations.import(MODEL_S_DEVICE, notes);
  log(`demo data ${MODEL_S_DEVICE}: ${s.accepted} accepted, ${s.duplicates} duplicates, ${s.rejected} rejected; `
    + `${c.created + c.updated} chargers, ${a.created} new and ${a.updated} replaced annotations`);
}
