import { Connection } from '@temporalio/client';
import { databaseOptions } from '../config/database';
import { createLogger } from '../config/logger';
import { apiPublicUrl, ConfigError, loadConfig } from '../config/settings';
import { createSequelize } from '../db/connection';
import { parsePricing } from '../domain/pricing';
import { createApp } from './app';
import { createHttpServer, SHUTDOWN_DRAIN_MS } from './http/http-server';
import { poolGaugeRefresher } from './http/pool-gauges';

/**
 * The API process. It starts even when MySQL or Temporal is down (the Temporal connection is lazy) so
 * that /readyz can say which one is missing instead of the process dying in a restart loop.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('api', config.logLevel);
  const sequelize = createSequelize(databaseOptions(config));
  const temporal = Connection.lazy({ address: config.temporalAddress });
  const poolGauges = poolGaugeRefresher({
    sequelize,
    intervalMs: config.apiMetricsRefreshMs,
    cooldownMs: config.accountRateLimitCooldownMs,
    logger,
  });
  const app = createApp({
    sequelize,
    temporal,
    logger,
    gauges: poolGauges,
    settings: {
      namespace: config.temporalNamespace,
      taskQueue: config.temporalTaskQueue,
      pricing: parsePricing(config.pointsPricing),
      allowPrivateUrls: config.outboundAllowPrivate,
      rateLimitPerMinute: config.apiRateLimitPerMinute,
      rateLimitPerAddressPerMinute: config.apiRateLimitPerAddressPerMinute,
      trustedProxies: config.apiTrustProxy,
      nodeId: config.apiNodeId,
      quotaTimeZone: config.quotaTimeZone,
      callbackSecretKey: config.callbackSecretEncryptionKey,
    },
  });
  const server = createHttpServer(app, {
    headersTimeoutMs: config.apiHeadersTimeoutMs,
    requestTimeoutMs: config.apiRequestTimeoutMs,
    keepAliveTimeoutMs: config.apiKeepAliveTimeoutMs,
  });
  poolGauges.start();
  server.listen(config.apiPort, config.apiHost, () => {
    logger.info({ url: apiPublicUrl(config) }, 'api listening');
  });
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'api stopping');
    server.close(() => {
      void poolGauges
        .stop()
        .then(() => Promise.allSettled([temporal.close(), sequelize.close()]))
        .then(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), SHUTDOWN_DRAIN_MS).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
