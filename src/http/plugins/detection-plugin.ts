import fp from 'fastify-plugin';
import type { Detector } from '../../domain/detect/detector.ts';
import { DerivedPipeline } from '../../pipeline/derived-pipeline.ts';
import { loadDetectors } from '../../detect/load-detectors.ts';

declare module 'fastify' {
  interface FastifyInstance {
    detection: DerivedPipeline;
  }
}

/**
 * The derived-data pipeline (sessions and events behind ingest, detection on request); resumes at
 * start what a crash left recorded, and waits for queued work on close. Detectors are loaded from
 * models/ unless the caller passes its own (tests).
 */
export const detectionPlugin = fp<{ detectors?: readonly Detector[] | undefined }>(
  async (app, opts) => {
    const detectors = opts.detectors ?? (await loadDetectors({ onWarning: (message) => app.log.warn(message) }));
    const service = new DerivedPipeline(app.store, detectors, {
      onError: (err, deviceId) => app.log.error({ err, deviceId }, 'detection failed'),
      onDetected: (r) => {
        if (r.changes.created.length + r.changes.updated.length + r.changes.removed.length > 0) {
          app.log.info({ deviceId: r.deviceId, created: r.changes.created.length, updated: r.changes.updated.length, removed: r.changes.removed.length }, 'events changed');
        }
      },
    });
    app.decorate('detection', service);
    app.addHook('onReady', async () => void (await service.resume()));
    app.addHook('onClose', async () => {
      await service.idle();
      await service.close();
    });
  },
  { name: 'detection', dependencies: ['store'] },
);
