import { ossClientOptions } from '../config/oss';
import type { Config } from '../config/settings';
import { parsePricing } from '../domain/pricing';
import type { DependencySettings } from './activity-dependencies';

/** The activities' settings from the validated configuration; tests override what they run privately. */
export function dependencySettingsFrom(
  config: Config,
  overrides: Partial<DependencySettings> = {},
): DependencySettings {
  return {
    quotaTimeZone: config.quotaTimeZone,
    rateLimitCooldownMs: config.accountRateLimitCooldownMs,
    jimengBaseUrl: config.jimengBaseUrl,
    jimengVideoRoute: config.jimengVideoRoute,
    videoPollIntervalMs: config.jimengVideoPollIntervalMs,
    oss: ossClientOptions(config),
    ossBaseUrl: config.ossBaseUrl ?? null,
    pricing: parsePricing(config.pointsPricing),
    callbacks: {
      secretKey: config.callbackSecretEncryptionKey,
      // Every tenant knows the legacy secret: in production it signs nobody's callbacks (README, Callbacks).
      legacySecret: config.nodeEnv === 'production' ? null : config.callbackSigningSecret,
      allowPrivate: config.outboundAllowPrivate,
    },
    outputDownloads: {
      allowPrivate: config.outboundAllowPrivate,
      maxBytes: config.outputDownloadMaxBytes,
      timeoutMs: config.outputDownloadTimeoutMs,
    },
    ...overrides,
  };
}
