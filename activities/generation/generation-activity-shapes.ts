import { type Lease } from '../../services/accounts/account-pool';
import { type JimengErrorJSON } from '../../services/jimeng/jimeng-error';
import type { GenerationPlan } from '../../domain/generation/generation-types';
import type { ImageGenerationInput, VideoGenerationInput } from '../../domain/generation/generation-types';

/*
 * What the generation workflow sends the generation activities and gets back. They live apart from the
 * composition so that the parts implementing them, and the workflow's type imports, name a module that
 * imports none of the parts.
 */

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
