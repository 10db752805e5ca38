import { QueryTypes, type Sequelize } from 'sequelize';
import { issueApiKey, type IssueApiKeyInput, type IssuedApiKey } from '../../api/auth/issue-api-key';
import type { TenantCallbackSecrets } from '../../services/callbacks/tenant-callback-secrets';
import { seedDevData } from './dev-data';
import { withLeasedIds } from '../../services/ids/node-id-leases';

/** The key a fresh stack starts with: the operator's, to make every other key and account through the API. */
export const BOOTSTRAP_ADMIN_KEY: IssueApiKeyInput = { owner: 'operator', scope: 'admin', name: 'bootstrap' };

/** A named lock, so two bootstraps started together (two hosts, say) cannot both find no key and both mint. */
const ADMIN_KEY_LOCK = 'jimeng-flow:bootstrap-admin-key';
const LOCK_WAIT_SECONDS = 60;

export type AdminKeyOutcome =
  { minted: true; issued: IssuedApiKey } | { minted: false; existing: { prefix: string; createdAt: Date } };

export interface BootstrapResult {
  adminKey: AdminKeyOutcome;
  /** Present with `devData`: what seedDevData did. */
  devData?: { accountsAdded: number; balance: number };
}

/**
 * Makes a fresh stack usable, and does nothing the second time: an admin key for `adminKey.owner` unless it
 * already has one that is not revoked (the key is in the answer once; only its hash is stored), and with
 * `devData` the dev accounts and the dev user's points (seedDevData, idempotent by itself). The pool needs two
 * connections: one holds the lock while another checks and issues.
 */
export async function bootstrap(
  sequelize: Sequelize,
  options: {
    callbackSecrets: TenantCallbackSecrets;
    adminKey?: IssueApiKeyInput;
    devData?: { quotaTimeZone: string };
  },
): Promise<BootstrapResult> {
  const adminKey = await ensureAdminKey(
    sequelize,
    options.callbackSecrets,
    options.adminKey ?? BOOTSTRAP_ADMIN_KEY,
  );
  if (!options.devData) return { adminKey };
  const { quotaTimeZone } = options.devData;
  // The dev accounts' ids are snowflakes, minted under a leased node id like every process's.
  const devData = await withLeasedIds({ sequelize, role: 'bootstrap' }, (ids) =>
    seedDevData(sequelize, { quotaTimeZone, ids }),
  );
  return { adminKey, devData };
}

async function ensureAdminKey(
  sequelize: Sequelize,
  callbackSecrets: TenantCallbackSecrets,
  input: IssueApiKeyInput,
): Promise<AdminKeyOutcome> {
  // The transaction only pins one connection for GET_LOCK and RELEASE_LOCK, which belong to a session.
  return sequelize.transaction(async (lockHolder) => {
    const [lock] = await sequelize.query<{ got: number | null }>('SELECT GET_LOCK(?, ?) AS got', {
      replacements: [ADMIN_KEY_LOCK, LOCK_WAIT_SECONDS],
      type: QueryTypes.SELECT,
      transaction: lockHolder,
    });
    if (Number(lock?.got) !== 1)
      throw new Error(`another bootstrap held ${ADMIN_KEY_LOCK} for ${LOCK_WAIT_SECONDS} s: try again`);
    try {
      // Outside the lock holder's transaction, so the read sees a key another bootstrap committed just now.
      const [existing] = await sequelize.query<{ key_prefix: string; created_at: Date }>(
        `SELECT key_prefix, created_at FROM api_keys
          WHERE owner = ? AND scope = 'admin' AND revoked_at IS NULL ORDER BY created_at LIMIT 1`,
        { replacements: [input.owner], type: QueryTypes.SELECT },
      );
      if (existing)
        return { minted: false, existing: { prefix: existing.key_prefix, createdAt: existing.created_at } };
      return { minted: true, issued: await issueApiKey(sequelize, input, callbackSecrets) };
    } finally {
      await sequelize.query('SELECT RELEASE_LOCK(?)', {
        replacements: [ADMIN_KEY_LOCK],
        type: QueryTypes.SELECT,
        transaction: lockHolder,
      });
    }
  });
}
