import type { Annotation, AnnotationInput, AnnotationWithVerdict } from '../domain/annotations/annotation.ts';
import { annotationProblems } from '../domain/annotations/annotation.ts';
import { claimSpanMs, evaluateClaim } from '../domain/claims/evaluate-claim.ts';
import type { Claim, ClaimVerdict } from '../domain/claims/claim.ts';
import { MESSAGES } from '../domain/errors/error-catalogue.ts';
import { TelltaleError } from '../domain/errors/telltale-error.ts';
import { deleteAnnotation, insertAnnotation, listAnnotations, upsertAnnotations } from '../store/annotation-repository.ts';
import { readSeries } from '../store/series-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import type { DeviceService } from './device-service.ts';

export interface AnnotationRange {
  /** Annotations ending at or after it. */
  fromMs?: number | undefined;
  /** Annotations starting before it. */
  toMs?: number | undefined;
}

export interface ClaimListItem {
  annotationId: string;
  text: string;
  author: string | null;
  startMs: number;
  endMs: number | null;
  claim: Claim;
  verdict: ClaimVerdict;
}

/** Notes on a device's timeline, each claim judged against the log when it is read. */
export class AnnotationService {
  private readonly store: TelemetryStore;
  private readonly devices: DeviceService;

  constructor(store: TelemetryStore, devices: DeviceService) {
    this.store = store;
    this.devices = devices;
  }

  async list(deviceId: string, range: AnnotationRange = {}): Promise<AnnotationWithVerdict[]> {
    await this.devices.require(deviceId);
    const list = await this.store.withConnection((conn) => listAnnotations(conn, { deviceId, ...range }));
    return this.withVerdicts(list);
  }

  /** The verdict on every claim of the device's annotations in the range. */
  async claims(deviceId: string, range: AnnotationRange = {}): Promise<ClaimListItem[]> {
    await this.devices.require(deviceId);
    const withClaims = (await this.store.withConnection((conn) => listAnnotations(conn, { deviceId, ...range }))).filter((a) => a.claim !== null);
    return (await this.withVerdicts(withClaims)).map((a) => ({
      annotationId: a.annotationId, text: a.text, author: a.author, startMs: a.startMs, endMs: a.endMs, claim: a.claim!, verdict: a.verdict!,
    }));
  }

  /** Stores a new note on a known device: BAD_REQUEST for a claim that cannot be judged, CONFLICT for an id taken. */
  async add(deviceId: string, input: AnnotationInput): Promise<AnnotationWithVerdict> {
    const problems = annotationProblems(input);
    if (problems.length) throw new TelltaleError('BAD_REQUEST', problems.join('; '));
    await this.devices.require(deviceId);
    const stored = await this.store.withConnection((conn) => insertAnnotation(conn, deviceId, input, this.store.now()));
    if (!stored) throw new TelltaleError('CONFLICT', MESSAGES.annotationExists(input.annotationId ?? ''));
    return (await this.withVerdicts([stored]))[0]!;
  }

  /** Inserts or replaces notes by id in one transaction (loading a bundled file twice changes nothing). */
  async import(deviceId: string, notes: readonly AnnotationInput[]): Promise<{ created: number; updated: number }> {
    return this.store.withConnection((conn) => upsertAnnotations(conn, deviceId, notes, this.store.now()));
  }

  /** NOT_FOUND when the device has no such note. */
  async remove(deviceId: string, annotationId: string): Promise<void> {
    const gone = await this.store.withConnection((conn) => deleteAnnotation(conn, deviceId, annotationId));
    if (!gone) throw new TelltaleError('NOT_FOUND', MESSAGES.noAnnotation(deviceId, annotationId));
  }

  /**
   * Each annotation with the verdict on its claim (null without one). Reads only the telemetry each
   * claim needs, so a page of annotations over a long history stays cheap.
   */
  private async withVerdicts(annotations: readonly Annotation[]): Promise<AnnotationWithVerdict[]> {
    const out: AnnotationWithVerdict[] = [];
    for (const a of annotations) {
      if (!a.claim) {
        out.push({ ...a, verdict: null });
        continue;
      }
      const claim = a.claim;
      const series = await this.store.withConnection((conn) => readSeries(conn, { deviceId: a.deviceId, ...claimSpanMs(claim) }));
      out.push({ ...a, verdict: evaluateClaim(series, claim) });
    }
    return out;
  }
}
