import { z } from 'zod';
import { transactionCursorParam } from './transaction-cursor';
import { textField } from '../schemas/text-field';
import { RECHARGE_SOURCE_TYPES } from '../../services/points/ledger-input';
import { TRANSACTION_TYPES } from '../../services/points/points-reads';
import { tenantFilter } from '../auth/tenant-scope';

export const MAX_RECHARGE_AMOUNT = 1_000_000;
/** One page is bounded; older rows come by following the cursor. */
export const MAX_PAGE_SIZE = 100;
/** How many soon-expiring batches the balance lists. */
export const EXPIRING_BATCHES_SHOWN = 10;

const userId = z.uuid().meta({ description: 'The end user whose points these are (UUID)' });

export const balanceQuery = z.strictObject({ user_id: userId, tenant: tenantFilter });

export const transactionsQuery = z.strictObject({
  user_id: userId,
  tenant: tenantFilter,
  type: z.enum(TRANSACTION_TYPES).optional(),
  // Consumption sources grow with the product (image, video, tts, ...): a filter accepts any plausible name.
  source_type: z
    .string()
    .regex(/^[a-z_]{1,32}$/, 'must be 1-32 lower-case letters or _')
    .optional()
    .meta({ description: 'recharge, gift, compensation, image, video, script, polish, voice_clone, tts' }),
  source_id: textField({ max: 64, min: 1, required: false, description: 'Task id or order id' }).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(20),
  cursor: transactionCursorParam,
});

/**
 * The reference is the caller's own id for one recharge. It becomes part of the ledger's idempotency key
 * (`api-recharge:<owner>:<reference>`, at most 128 characters with a 50-character owner) and of the workflow id,
 * so it is limited to 64 characters, and to an alphabet without `:` and `/`: those separate the owner from the
 * reference, and two tenants must never build the same key.
 */
export const REFERENCE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export const rechargeRequest = z
  .strictObject({
    user_id: userId,
    amount: z
      .number()
      .int()
      .min(1)
      .max(MAX_RECHARGE_AMOUNT)
      .meta({ description: `Whole points, 1 to ${MAX_RECHARGE_AMOUNT}` }),
    source_type: z.enum(RECHARGE_SOURCE_TYPES).default('recharge'),
    expires_at: z.iso
      .datetime({ offset: true })
      .refine((value) => Date.parse(value) > Date.now(), 'must be in the future')
      .optional()
      .meta({ description: 'ISO 8601, in the future; absent = the points never expire' }),
    source_id: textField({
      max: 64,
      required: true,
      trim: false,
      description: 'The order behind the recharge, kept on the batch and the transaction',
    }).optional(),
    tenant: z
      .string()
      .min(1)
      .max(50)
      .optional()
      .meta({
        description:
          'The tenant (an API key owner) the user belongs to. Required when no tenant has used the user yet: the ' +
          "recharge makes the user that tenant's for good. For a user who belongs to a tenant it may be left " +
          'out; naming another tenant is a 409',
      }),
    reference: z.string().regex(REFERENCE_PATTERN, 'must be 1-64 letters, digits, _ . -').meta({
      description:
        'Your own id for this recharge: the same reference is paid once, and answered with the first result',
    }),
  })
  .meta({ id: 'PointsRechargeRequest', description: 'Points credited to a user as one batch' });

export type RechargeRequestBody = z.infer<typeof rechargeRequest>;

export const rechargeResult = z
  .object({
    batch_id: z.string().meta({ description: 'The batch holding the recharged points' }),
    balance: z.number().int().meta({ description: "The user's balance right after this recharge" }),
  })
  .meta({ id: 'PointsRecharge' });

export const pointsBalance = z
  .object({
    user_id: z.string(),
    tenant: z.string().nullable().meta({
      description: 'The tenant the user belongs to; null while none has used them (admin keys only)',
    }),
    balance: z.number().int().meta({
      description:
        'Points spendable now (batches past their expiry are left out even before they are expired)',
    }),
    expiring: z
      .array(
        z.object({
          batch_id: z.string(),
          remaining: z.number().int(),
          expires_at: z.string(),
        }),
      )
      .meta({
        description: `Batches with points left that will expire, soonest first (at most ${EXPIRING_BATCHES_SHOWN})`,
      }),
  })
  .meta({ id: 'PointsBalance' });

export const pointTransaction = z
  .object({
    id: z.string(),
    type: z.enum(TRANSACTION_TYPES),
    amount: z.number().int().meta({ description: 'Always positive; `type` gives the direction' }),
    balance_before: z.number().int(),
    balance_after: z.number().int(),
    source_type: z.string().nullable(),
    source_id: z.string().nullable(),
    batch_id: z.string().nullable(),
    description: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'PointTransaction' });

export const pointTransactionPage = z
  .object({ data: z.array(pointTransaction), next_cursor: z.string().nullable() })
  .meta({ id: 'PointTransactionPage' });

export type PointsBalanceView = z.infer<typeof pointsBalance>;
export type PointTransactionView = z.infer<typeof pointTransaction>;
