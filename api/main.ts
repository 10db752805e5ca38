import { Connection } from '@temporalio/client';
import { databaseOptions } from '../config/database';
import { createLogger } from '../config/logger';
import { apiPublicUrl, ConfigError, loadConfig } from '../config/settings';
import { createSequelize } from '../db/connection';
import { parsePricing } from '../domain/pricing';
import { NodeIdLease } from '../services/ids/node-id-leases';
import { createApp } from './app';
import { Drain } from './http/drain';
import { gracefulShutdown } from './http/graceful-shutdown';
import { createHttpServer } from './http/http-server';
import { poolGaugeRefresher } from './http/pool-gauges';
import { InFlightClaims } from './idempotency/in-flight-claims';

/**
 * The API process. It starts even when MySQL or Temporal is down (the Temporal connection is lazy, the node id
 * is leased in the background) so that /readyz can say which one is missing instead of the process dying in a
 * restart loop. Two processes configured with the same API_NODE_ID are the exception: the second exits.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('api', config.logLevel);
  const sequelize = createSequelize(databaseOptions(config));
  const temporal = Connection.lazy({ address: config.temporalAddress });
  const ids = new NodeIdLease({
    sequelize,
    role: 'api',
    ...(config.apiNodeId !== undefined ? { nodeId: config.apiNodeId } : {}),
    logger,
    onTaken: (err) => {
      logger.fatal({ err }, 'API_NODE_ID is held by another process');
      process.exit(1);
    },
  });
  const drain = new Drain();
  const inFlightClaims = new InFlightClaims();
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
    ids,
    drain,
    inFlightClaims,
    settings: {
      namespace: config.temporalNamespace,
      taskQueue: config.temporalTaskQueue,
      pricing: parsePricing(config.pointsPricing),
      allowPrivateUrls: config.outboundAllowPrivate,
      rateLimitPerMinute: config.apiRateLimitPerMinute,
      rateLimitPerAddressPerMinute: config.apiRateLimitPerAddressPerMinute,
      trustedProxies: config.apiTrustProxy,
      quotaTimeZone: config.quotaTimeZone,
      callbackSecretKey: config.callbackSecretEncryptionKey,
    },
  });
  const server = createHttpServer(app, {
    headersTimeoutMs: config.apiHeadersTimeoutMs,
    requestTimeoutMs: config.apiRequestTimeoutMs,
    keepAliveTimeoutMs: config.apiKeepAliveTimeoutMs,
  });
  const shutdown = gracefulShutdown({
    server,
    drain,
    inFlightClaims,
    drainDelayMs: config.apiDrainDelayMs,
    timeoutMs: config.apiShutdownTimeoutMs,
    logger,
    closeResources: async () => {
      await poolGauges.stop();
      await ids
        .release()
        .catch((err: unknown) => logger.warn({ err }, 'could not free the snowflake node id'));
      await Promise.allSettled([temporal.close(), sequelize.close()]);
    },
    exit: (code) => process.exit(code),
  });
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  ids.start();
  poolGauges.start();
  server.listen(config.apiPort, config.apiHost, () => {
    logger.info({ url: apiPublicUrl(config) }, 'api listening');
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
