import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Sequelize } from 'sequelize';
import type { ActivityDependencies } from '../activities/create-activities';
import { AccountPool } from '../services/accounts/account-pool';
import { AccountWaiters } from '../services/accounts/account-waiters';
import { JimengClient, type VideoRoute } from '../services/jimeng/client';
import { createOutputStorage } from '../services/oss/output-storage';
import type { DownloadLimits } from '../services/oss/download-to-temp';
import { type OssClientOptions } from '../services/oss/oss-client-options';
import { DEFAULT_PRICING, type PricingTable } from '../domain/pricing';
import { PointsLedger } from '../services/points/points-ledger';
import { CallbackSecretCipher } from '../services/callbacks/callback-secret-cipher';
import { TenantCallbackSecrets } from '../services/callbacks/tenant-callback-secrets';

export interface DependencySettings {
  quotaTimeZone: string;
  jimengBaseUrl: string;
  oss: OssClientOptions;
  /** OSS_BASE_URL: CDN origin of the URLs handed out. */
  ossBaseUrl?: string | null;
  pricing?: PricingTable;
  callbacks: {
    /** CALLBACK_SECRET_ENCRYPTION_KEY: opens the tenants' stored callback secrets. */
    secretKey: Buffer;
    /** CALLBACK_SIGNING_SECRET for tenants without a secret of their own; null in production. */
    legacySecret: string | null;
    allowPrivate: boolean;
  };
  /**
   * Output downloads: whether they may reach loopback and private addresses (OUTBOUND_ALLOW_PRIVATE: the dev
   * stack and tests download from the simulator on 127.0.0.1) and their size and time bounds.
   */
  outputDownloads: { allowPrivate: boolean } & DownloadLimits;
  /** Defaults to <os tmp>/jimeng-flow (seed 003 stages outputs under the OS temp dir). */
  tmpDir?: string;
  now?: () => Date;
  /** The proxy's synchronous video route (default) or a fork's async pair (JIMENG_VIDEO_ROUTE). */
  jimengVideoRoute?: VideoRoute;
  /** One deadline for every Jimeng call (tests); by default each operation's own, above the proxy's limits. */
  jimengTimeoutMs?: number;
  videoPollIntervalMs?: number;
  heartbeatMs?: number;
  leaseTtlMs?: number;
  /** ACCOUNT_RATE_LIMIT_COOLDOWN_MS; the pool's default (5 min) when absent. */
  rateLimitCooldownMs?: number;
}

/** Wires the activities' dependencies from one Sequelize instance: the worker and tests build them alike. */
export function buildActivityDependencies(
  sequelize: Sequelize,
  logger: Logger,
  settings: DependencySettings,
): ActivityDependencies {
  const now = settings.now ?? (() => new Date());
  const tmpDir = settings.tmpDir ?? join(tmpdir(), 'jimeng-flow');
  const { allowPrivate: downloadsMayReachPrivate, ...downloadLimits } = settings.outputDownloads;
  return {
    sequelize,
    logger,
    now,
    pool: new AccountPool({
      sequelize,
      logger,
      now,
      quotaTimeZone: settings.quotaTimeZone,
      ...(settings.leaseTtlMs !== undefined ? { leaseTtlMs: settings.leaseTtlMs } : {}),
      ...(settings.rateLimitCooldownMs !== undefined
        ? { rateLimitCooldownMs: settings.rateLimitCooldownMs }
        : {}),
    }),
    waiters: new AccountWaiters({ sequelize, now }),
    ledger: new PointsLedger({ sequelize, now }),
    tmpDir,
    jimeng: new JimengClient({
      baseUrls: { default: settings.jimengBaseUrl },
      ...(settings.jimengTimeoutMs !== undefined ? { timeoutMs: settings.jimengTimeoutMs } : {}),
      ...(settings.jimengVideoRoute !== undefined ? { videoRoute: settings.jimengVideoRoute } : {}),
      ...(settings.videoPollIntervalMs !== undefined
        ? { videoPollIntervalMs: settings.videoPollIntervalMs }
        : {}),
      logger: logger.child({ component: 'jimeng' }),
      now,
    }),
    storage: createOutputStorage({
      oss: settings.oss,
      baseUrl: settings.ossBaseUrl ?? null,
      tmpDir,
      logger: logger.child({ component: 'oss' }),
      now,
      addressPolicy: { allowPrivate: downloadsMayReachPrivate },
      download: downloadLimits,
    }),
    pricing: settings.pricing ?? DEFAULT_PRICING,
    callbacks: {
      secrets: new TenantCallbackSecrets({
        sequelize,
        cipher: new CallbackSecretCipher(settings.callbacks.secretKey),
        now,
      }),
      legacySecret: settings.callbacks.legacySecret,
      allowPrivate: settings.callbacks.allowPrivate,
    },
    ...(settings.videoPollIntervalMs !== undefined
      ? { videoPollIntervalMs: settings.videoPollIntervalMs }
      : {}),
    ...(settings.heartbeatMs !== undefined ? { heartbeatMs: settings.heartbeatMs } : {}),
  };
}
