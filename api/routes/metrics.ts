import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route';
import type { ApiMetrics, Gauge } from '../http/metrics';

export interface MetricsRouteDependencies {
  metrics: ApiMetrics;
  /** The gauges read in the background (their last values), if the process refreshes any. */
  gauges?: { gauges(): Gauge[] };
}

/**
 * Unauthenticated like /healthz, for Prometheus: counts and pool sizes, nothing about callers. The scrape
 * costs no query: the gauges are the last values their refresher read.
 */
export function metricsRoutes(deps: MetricsRouteDependencies): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'getMetrics',
      summary: 'Prometheus metrics: requests, workflows started, pool gauges and their age',
      tag: 'Operations',
      scope: 'public',
      responses: {
        200: {
          description: 'The text exposition format',
          schema: z.string(),
          contentType: 'text/plain',
        },
      },
      async handler(ctx) {
        ctx.type = 'text/plain; version=0.0.4; charset=utf-8';
        ctx.body = deps.metrics.render(deps.gauges?.gauges() ?? []);
      },
    }),
  ];
}
