import type { Logger } from 'pino';

/** The part of a pino logger this module uses. Nothing logged here contains credentials or signed URLs. */
export type StorageLogger = Pick<Logger, 'debug' | 'warn'>;
