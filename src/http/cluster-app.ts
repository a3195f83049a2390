import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { CoreApi } from '../services/core-api.ts';
import { registerBase, registerCoreRoutes, type CoreRouteOptions } from './core-routes.ts';

export interface ClusterAppOptions extends Partial<CoreRouteOptions> {
  /** The core services over the contract store (src/services/cluster-services.ts); the caller starts and closes them. */
  core: CoreApi;
  logger?: FastifyServerOptions['logger'];
}

/**
 * The HTTP service of one process on a ClickHouse cluster: the core routes only (the same code,
 * URLs and shapes as on DuckDB; the rest is listed in docs/scale-out.md as not served there yet).
 */
export async function buildClusterApp(options: ClusterAppOptions): Promise<FastifyInstance> {
  const bodyLimitBytes = options.bodyLimitBytes ?? 512 * 1024 * 1024;
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: bodyLimitBytes });
  await registerBase(app);
  await registerCoreRoutes(app, options.core, { bodyLimitBytes, allowedHosts: options.allowedHosts, limits: options.limits });
  return app;
}
