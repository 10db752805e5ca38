import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import { hashApiKey } from '../../../api/auth/api-key-secret';
import { bootstrap } from '../../../scripts/lib/bootstrap';
import { DEV_USER_ID, DEV_USER_POINTS } from '../../../scripts/lib/dev-data';
import { CallbackSecretCipher } from '../../../services/callbacks/callback-secret-cipher';
import { TenantCallbackSecrets } from '../../../services/callbacks/tenant-callback-secrets';
import { migratedTestDatabase } from '../../support/database';

/**
 * The compose stack's bootstrap job runs on every `docker compose up`: the first run prints an admin key, and no
 * later run mints another or adds points again.
 */
describe('bootstrap', () => {
  let sequelize: Sequelize;
  let callbackSecrets: TenantCallbackSecrets;

  beforeAll(async () => {
    sequelize = await migratedTestDatabase();
    callbackSecrets = new TenantCallbackSecrets({
      sequelize,
      cipher: new CallbackSecretCipher(Buffer.alloc(32, 5)),
    });
  });
  afterAll(async () => sequelize.close());

  const operator = () => ({
    owner: `boot-${randomUUID().slice(0, 8)}`,
    scope: 'admin' as const,
    name: 'bootstrap',
  });
  const adminKeysOf = (owner: string) =>
    sequelize.query<{ key_hash: string; scope: string; name: string | null }>(
      'SELECT key_hash, scope, name FROM api_keys WHERE owner = ?',
      { replacements: [owner], type: QueryTypes.SELECT },
    );
  const count = async (sql: string, replacements: unknown[]) => {
    const [row] = await sequelize.query<{ n: number | string }>(sql, {
      replacements,
      type: QueryTypes.SELECT,
    });
    return Number(row!.n);
  };

  it('mints an admin key, with its owner’s callback secret, the first time and only then', async () => {
    const adminKey = operator();
    const first = await bootstrap(sequelize, { callbackSecrets, adminKey });
    if (!first.adminKey.minted) throw new Error('the first bootstrap found a key that nobody made');
    expect(first.adminKey.issued.key).toMatch(/^jf_[A-Za-z0-9_-]{43}$/);
    expect(first.adminKey.issued.callbackSecret?.secret).toMatch(/^jfcb_/);
    expect(await adminKeysOf(adminKey.owner)).toEqual([
      { key_hash: hashApiKey(first.adminKey.issued.key), scope: 'admin', name: 'bootstrap' },
    ]);

    const second = await bootstrap(sequelize, { callbackSecrets, adminKey });
    expect(second.adminKey).toEqual({
      minted: false,
      existing: { prefix: first.adminKey.issued.prefix, createdAt: expect.any(Date) as Date },
    });
    expect(await adminKeysOf(adminKey.owner)).toHaveLength(1);
  });

  it('mints one key when two bootstraps start together', async () => {
    const adminKey = operator();
    const both = await Promise.all([
      bootstrap(sequelize, { callbackSecrets, adminKey }),
      bootstrap(sequelize, { callbackSecrets, adminKey }),
    ]);
    expect(both.map((r) => r.adminKey.minted).sort()).toEqual([false, true]);
    expect(await adminKeysOf(adminKey.owner)).toHaveLength(1);
  });

  it('mints a new key once every admin key of the owner is revoked', async () => {
    const adminKey = operator();
    await bootstrap(sequelize, { callbackSecrets, adminKey });
    await sequelize.query('UPDATE api_keys SET revoked_at = NOW(3) WHERE owner = ?', {
      replacements: [adminKey.owner],
    });
    const again = await bootstrap(sequelize, { callbackSecrets, adminKey });
    expect(again.adminKey.minted).toBe(true);
    expect(await adminKeysOf(adminKey.owner)).toHaveLength(2);
  });

  it('with dev data, seeds the dev user’s points once: a second run neither doubles them nor adds accounts', async () => {
    const recharges = () =>
      count("SELECT COUNT(*) AS n FROM mjk_point_transactions WHERE user_id = ? AND type = 'recharge'", [
        DEV_USER_ID,
      ]);
    const accounts = () => count('SELECT COUNT(*) AS n FROM jimeng_accounts WHERE is_deleted = 0', []);
    const adminKey = operator();
    const devData = { quotaTimeZone: 'Asia/Shanghai' };

    const first = await bootstrap(sequelize, { callbackSecrets, adminKey, devData });
    const [rechargesAfterFirst, accountsAfterFirst] = [await recharges(), await accounts()];
    expect(rechargesAfterFirst).toBeGreaterThanOrEqual(1);
    expect(accountsAfterFirst).toBeGreaterThanOrEqual(1);
    expect(first.devData!.balance).toBeGreaterThanOrEqual(DEV_USER_POINTS);

    const second = await bootstrap(sequelize, { callbackSecrets, adminKey, devData });
    expect(second.adminKey.minted).toBe(false);
    expect(second.devData).toEqual({ accountsAdded: 0, balance: first.devData!.balance });
    expect(await recharges()).toBe(rechargesAfterFirst);
    expect(await accounts()).toBe(accountsAfterFirst);
  });
});
