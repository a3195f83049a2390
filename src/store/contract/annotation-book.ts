import type { Annotation, AnnotationInput } from '../../domain/annotations/annotation.ts';
import type { AnnotationQuery } from '../annotation-repository.ts';

/** Notes on a device's timeline. */
export interface AnnotationBook {
  /** Undefined when the id is already taken. */
  add(deviceId: string, a: AnnotationInput, nowMs: number): Promise<Annotation | undefined>;
  /** Overlapping the range, in time order. */
  list(q: AnnotationQuery): Promise<Annotation[]>;
  /** True when there was such an annotation. */
  remove(deviceId: string, annotationId: string): Promise<boolean>;
}
