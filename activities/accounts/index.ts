export { AccountPool } from './account-pool';
export { AccountWaiters } from './account-waiters';
export type { AccountWaitersOptions, Waiter } from './account-waiters';
export type {
  AccountPoolOptions,
  Lease,
  LeaseRequest,
  PoolStats,
  RefreshResult,
  ReleaseResult,
} from './account-pool';
export { accountChangesFor, leaseOutcomeForAction, LEASE_OUTCOMES } from './lease-outcome';
export type { AccountChanges, Capability, LeaseOutcome } from './lease-outcome';
export { initialQuotaResetTime, nextQuotaResetAfter, timeZoneOffsetMinutes } from '../../domain/quota-reset';
