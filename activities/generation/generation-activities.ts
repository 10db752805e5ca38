import type { Sequelize } from 'sequelize';
import type { Logger } from 'pino';
import { type AccountPool, type Lease } from '../../services/accounts/account-pool';
import { type AccountWaiters } from '../../services/accounts/account-waiters';
import { type JimengErrorJSON } from '../../services/jimeng/jimeng-error';
import { type JimengClient } from '../../services/jimeng/client';
import type { OutputStorage } from '../../services/oss/output-storage';
import { type PointsLedger } from '../../services/points/points-ledger';
import { type PricingTable } from '../../domain/pricing';
import { type GenerationPlan } from '../../domain/generation/generation-plan';
import type { ImageGenerationInput, VideoGenerationInput } from '../../domain/generation/generation-types';
import { createAttemptCalls } from './attempt-calls';
import { createBookkeepingActivities } from './generation-bookkeeping';
import { createCallbackActivities } from './generation-callback';
import { createOutputActivities } from './generation-outputs';
import { createImageAttempts } from './image-attempts';
import { createLeaseActivities } from './lease-activities';
import { createLeaseSession } from './lease-session';
import { createVideoAttempts } from './video-attempts';

/*
 * The generation activities as the worker registers them: what they are built over, the shapes the workflow
 * exchanges with them, and their composition from the parts (each in the file named for it). The shapes are
 * defined here rather than beside the parts so that the workflow's type imports name this one module.
 */

export interface GenerationDependencies {
  sequelize: Sequelize;
  logger: Logger;
  now: () => Date;
  pool: AccountPool;
  /** Jobs waiting for an account, woken one per release. */
  waiters: AccountWaiters;
  ledger: PointsLedger;
  jimeng: JimengClient;
  storage: OutputStorage;
  pricing: PricingTable;
  callbacks: { secret: string; allowPrivate: boolean };
  /** Between two polls of a video task; the proxy itself polls every 20 s. */
  videoPollIntervalMs?: number;
  /** How often long activities heartbeat and extend their account lease. */
  heartbeatMs?: number;
}

export type BeginInput =
  | ({ type: 'image'; workflowId: string } & ImageGenerationInput)
  | ({ type: 'video'; workflowId: string } & VideoGenerationInput);

export interface BeginResult {
  plan: GenerationPlan;
  executionId: number;
}

export interface AttemptInput {
  taskId: string;
  lease: Lease;
  siteSwitchCount: number;
}

/** What an activity that leases its own account is given: where to lease, and the attempt's bookkeeping. */
export interface LeasedCallInput {
  taskId: string;
  sites: number[];
  excludeAccountIds: string[];
  /** Accounts to skip while another is free, and to take again when none is (not the account's fault). */
  avoidAccountIds?: string[];
  holder: string;
  siteSwitchCount: number;
}

export interface ProducedOutput {
  url: string;
  width?: number;
  height?: number;
  durationSeconds?: number;
}

/** The account an attempt ran on, as the workflow's retry plan needs it. */
export interface AttemptAccount {
  accountId: string;
  siteType: number;
  maxRetryCount: number;
}

/**
 * One attempt at a job: no account free, the account leased became unusable before the call (nobody called
 * it), the outputs, or the classified failure of the call.
 */
export type AttemptResult =
  | { kind: 'no_account' }
  | { kind: 'withdrawn'; accountId: string }
  | { kind: 'produced'; account: AttemptAccount; outputs: ProducedOutput[] }
  | { kind: 'failed'; account: AttemptAccount; failure: JimengErrorJSON };

export function createGenerationActivities(deps: GenerationDependencies) {
  const resolved = {
    ...deps,
    heartbeatMs: deps.heartbeatMs ?? 10_000,
    videoPollIntervalMs: deps.videoPollIntervalMs ?? 5_000,
  };
  const session = createLeaseSession(resolved);
  const calls = createAttemptCalls(resolved, session);
  return {
    ...createBookkeepingActivities(resolved),
    ...createLeaseActivities(resolved, session),
    ...createImageAttempts(resolved, session, calls),
    ...createVideoAttempts(resolved, session, calls),
    ...createOutputActivities(resolved),
    ...createCallbackActivities(resolved),
  };
}

export type GenerationActivities = ReturnType<typeof createGenerationActivities>;
