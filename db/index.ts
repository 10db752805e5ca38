export { createSequelize, type DatabaseOptions } from './connection';
export { createMigrator, MIGRATIONS_TABLE, type Migrator } from './migrator';
export * from './models';
export { isDeadlock, isUniqueViolation, retryingDeadlocks } from './errors';
export { purgeExpiredIdempotencyKeys } from './idempotency-keys';
export { sqlTime } from './sql-time';
