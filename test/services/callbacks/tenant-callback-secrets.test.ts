import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import {
  CallbackSecretCipher,
  CallbackSecretUnreadableError,
  parseCallbackSecretKey,
} from '../../../services/callbacks/callback-secret-cipher';
import { TenantCallbackSecrets } from '../../../services/callbacks/tenant-callback-secrets';
import { migratedTestDatabase } from '../../support/database';

const KEY = parseCallbackSecretKey('AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=');
const T0 = new Date('2024-05-01T00:00:00.000Z');
const HOUR_MS = 60 * 60 * 1000;
const SECRET_SHAPE = /^jfcb_[A-Za-z0-9_-]{43}$/;

describe('TenantCallbackSecrets', () => {
  let sequelize: Sequelize;
  let now: Date;
  let secrets: TenantCallbackSecrets;
  const run = randomUUID().slice(0, 8);
  let n = 0;
  const owner = () => `cbs-${run}-${++n}`;

  const storedRow = async (who: string) =>
    (
      await sequelize.query<Record<string, unknown>>(
        'SELECT * FROM tenant_callback_secrets WHERE owner = ?',
        {
          replacements: [who],
          type: QueryTypes.SELECT,
        },
      )
    )[0];

  beforeAll(async () => {
    sequelize = await migratedTestDatabase();
  });
  beforeEach(() => {
    now = T0;
    secrets = new TenantCallbackSecrets({ sequelize, cipher: new CallbackSecretCipher(KEY), now: () => now });
  });
  afterAll(async () => {
    await sequelize.query("DELETE FROM tenant_callback_secrets WHERE owner LIKE 'cbs-%'");
    await sequelize.query("DELETE FROM api_keys WHERE owner LIKE 'cbs-%'");
    await sequelize.close();
  });

  it('makes a secret once per tenant, stores it sealed and signs with it', async () => {
    const tenant = owner();
    const created = await secrets.createIfAbsent(tenant);
    expect(created?.secret).toMatch(SECRET_SHAPE);
    expect(created?.status).toEqual({
      owner: tenant,
      prefix: created!.secret.slice(0, 12),
      createdAt: T0,
      previous: null,
    });
    expect(await secrets.createIfAbsent(tenant)).toBeNull();
    expect(await secrets.signingSecrets(tenant)).toEqual([created!.secret]);

    const row = await storedRow(tenant);
    expect(JSON.stringify(row)).not.toContain(created!.secret);
    expect(JSON.stringify(row)).not.toContain(created!.secret.slice(12));
    expect(row).toMatchObject({ secret_prefix: created!.secret.slice(0, 12), previous_sealed: null });
  });

  it('answers null for a tenant without a secret', async () => {
    const tenant = owner();
    expect(await secrets.signingSecrets(tenant)).toBeNull();
    expect(await secrets.status(tenant)).toBeNull();
    expect(await secrets.rotate(tenant, 60)).toBeNull();
  });

  it('signs with the new and the replaced secret during the overlap, with the new one only after it', async () => {
    const tenant = owner();
    const first = (await secrets.createIfAbsent(tenant))!.secret;
    now = new Date(T0.getTime() + HOUR_MS);
    const rotated = (await secrets.rotate(tenant, 24 * 3600))!;
    expect(rotated.secret).toMatch(SECRET_SHAPE);
    expect(rotated.secret).not.toBe(first);
    const expiresAt = new Date(T0.getTime() + 25 * HOUR_MS);
    expect(rotated.status.previous).toEqual({ prefix: first.slice(0, 12), expiresAt });

    expect(await secrets.signingSecrets(tenant)).toEqual([rotated.secret, first]);
    expect(await secrets.status(tenant)).toEqual({
      owner: tenant,
      prefix: rotated.secret.slice(0, 12),
      createdAt: now,
      previous: { prefix: first.slice(0, 12), expiresAt },
    });

    now = new Date(expiresAt.getTime() - 1);
    expect(await secrets.signingSecrets(tenant)).toEqual([rotated.secret, first]);
    now = expiresAt;
    expect(await secrets.signingSecrets(tenant)).toEqual([rotated.secret]);
    expect((await secrets.status(tenant))?.previous).toBeNull();
  });

  it('stops the replaced secret at once with an overlap of 0 (a leaked secret)', async () => {
    const tenant = owner();
    await secrets.createIfAbsent(tenant);
    const rotated = (await secrets.rotate(tenant, 0))!;
    expect(rotated.status.previous).toBeNull();
    expect(await secrets.signingSecrets(tenant)).toEqual([rotated.secret]);
    expect((await storedRow(tenant))?.previous_sealed).toBeNull();
  });

  it('keeps the newest two when rotated twice within a window', async () => {
    const tenant = owner();
    await secrets.createIfAbsent(tenant);
    const second = (await secrets.rotate(tenant, 3600))!.secret;
    const third = (await secrets.rotate(tenant, 3600))!.secret;
    expect(await secrets.signingSecrets(tenant)).toEqual([third, second]);
  });

  it('starts a tenant from before per-tenant secrets with the legacy secret signing next to its own', async () => {
    const tenant = owner();
    const created = (await secrets.createIfAbsent(tenant, {
      legacy: { secret: 'short', overlapSeconds: 3600 },
    }))!;
    expect(created.status.previous).toEqual({
      prefix: 'legacy',
      expiresAt: new Date(T0.getTime() + HOUR_MS),
    });
    expect(await secrets.signingSecrets(tenant)).toEqual([created.secret, 'short']);
    // The legacy secret may be short: no prefix of it is shown, nor stored.
    expect(JSON.stringify(await storedRow(tenant))).not.toContain('short');
    now = new Date(T0.getTime() + HOUR_MS);
    expect(await secrets.signingSecrets(tenant)).toEqual([created.secret]);
  });

  it("refuses to sign with a sealed value copied from another tenant's row", async () => {
    const victim = owner();
    const forger = owner();
    await secrets.createIfAbsent(victim);
    const forgersSecret = (await secrets.createIfAbsent(forger))!.secret;
    await sequelize.query(
      `UPDATE tenant_callback_secrets v JOIN tenant_callback_secrets f ON f.owner = ?
          SET v.secret_sealed = f.secret_sealed WHERE v.owner = ?`,
      { replacements: [forger, victim] },
    );
    await expect(secrets.signingSecrets(victim)).rejects.toThrow(CallbackSecretUnreadableError);
    expect(await secrets.signingSecrets(forger)).toEqual([forgersSecret]);
  });

  it('cannot open what another encryption key sealed', async () => {
    const tenant = owner();
    await secrets.createIfAbsent(tenant);
    const otherKey = new TenantCallbackSecrets({
      sequelize,
      cipher: new CallbackSecretCipher(Buffer.alloc(32, 7)),
    });
    await expect(otherKey.signingSecrets(tenant)).rejects.toThrow(/CALLBACK_SECRET_ENCRYPTION_KEY/);
  });

  it('makes one secret when two first keys race for the same tenant', async () => {
    const tenant = owner();
    const results = await Promise.all([secrets.createIfAbsent(tenant), secrets.createIfAbsent(tenant)]);
    const made = results.filter((r) => r !== null);
    expect(made).toHaveLength(1);
    expect(await secrets.signingSecrets(tenant)).toEqual([made[0]!.secret]);
  });

  it('lists the tenants that have API keys but no secret', async () => {
    const withKey = owner();
    const withBoth = owner();
    for (const who of [withKey, withKey, withBoth]) {
      await sequelize.query(
        "INSERT INTO api_keys (id, key_hash, key_prefix, owner, scope) VALUES (?, ?, 'jf_test', ?, 'caller')",
        { replacements: [randomUUID(), randomUUID().replace(/-/g, '').padEnd(64, '0'), who] },
      );
    }
    await secrets.createIfAbsent(withBoth);
    const without = (await secrets.ownersWithoutSecret()).filter((o) => o.startsWith(`cbs-${run}-`));
    expect(without).toEqual([withKey]);
  });

  it.each([-1, 1.5, 30 * 24 * 3600 + 1, Number.NaN])('refuses an overlap of %s seconds', async (seconds) => {
    const tenant = owner();
    await secrets.createIfAbsent(tenant);
    await expect(secrets.rotate(tenant, seconds)).rejects.toThrow(RangeError);
    await expect(
      secrets.createIfAbsent(owner(), { legacy: { secret: 'x', overlapSeconds: seconds } }),
    ).rejects.toThrow(RangeError);
  });
});
