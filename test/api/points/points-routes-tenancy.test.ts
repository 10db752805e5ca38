import { randomUUID } from 'node:crypto';
import { issueApiKey } from '../../../api/auth/issue-api-key';
import { apiCaller, type RunningServer } from '../../support/koa-test-server';
import { GenerationFixture } from '../../workflows/generation-fixture';

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: Array<{ field: string; reason: string }>;
}

/**
 * Points by two tenants (issue 17): a user belongs to the tenant of their first recharge or generation; a caller
 * key reads only its own tenant's users, another's reading exactly as a user who does not exist; an admin key
 * reads every tenant's, filters by one, and names the tenant of a user it recharges first.
 */
describe('points: tenants', () => {
  const f = new GenerationFixture();
  const run = randomUUID().slice(0, 8);
  const tenantA = `tenant-a-${run}`;
  const evil = `evil-${run}`;
  let server: RunningServer;
  let aKey: string;
  let evilKey: string;
  let adminKey: string;

  const call = apiCaller(
    () => server.url,
    () => aKey,
  );
  const recharge = (json: Record<string, unknown>) =>
    call('/v1/points/recharge', { method: 'POST', key: adminKey, json });
  /** A user of tenant A with `amount` points, made through the API. */
  const aUserWith = async (amount: number) => {
    const userId = randomUUID();
    const res = await recharge({ user_id: userId, tenant: tenantA, amount, reference: `r-${userId}` });
    expect(res.status).toBe(201);
    return userId;
  };
  /** The problem without what names the thing asked for: what is left must not tell one 404 from the other. */
  const anonymised = async (res: Response, id: string) => {
    const body = (await res.json()) as ProblemBody & { instance?: string };
    return JSON.parse(JSON.stringify(body).replaceAll(id, '<id>')) as unknown;
  };

  beforeAll(async () => {
    await f.start();
    server = await f.listenApi();
    aKey = (await issueApiKey(f.sequelize, { owner: tenantA, scope: 'caller' })).key;
    evilKey = (await issueApiKey(f.sequelize, { owner: evil, scope: 'caller' })).key;
    adminKey = (await issueApiKey(f.sequelize, { owner: `ops-${run}`, scope: 'admin' })).key;
  }, 120_000);
  afterAll(async () => {
    await server.close();
    await f.close();
  }, 60_000);

  it("(a) another tenant's user reads as 404 on balance and transactions, the answer for a user who does not exist", async () => {
    const aUser = await aUserWith(50);
    const own = await call(`/v1/points/balance?user_id=${aUser}`);
    expect(own.status).toBe(200);
    expect(await own.json()).toEqual({ user_id: aUser, tenant: tenantA, balance: 50, expiring: [] });

    const nobody = randomUUID();
    for (const route of ['balance', 'transactions']) {
      const theirs = await call(`/v1/points/${route}?user_id=${aUser}`, { key: evilKey });
      const missing = await call(`/v1/points/${route}?user_id=${nobody}`, { key: evilKey });
      expect([theirs.status, missing.status]).toEqual([404, 404]);
      expect(await anonymised(theirs, aUser)).toEqual(await anonymised(missing, nobody));
    }
  });

  it('an admin key reads every tenant, and filters by one', async () => {
    const aUser = await aUserWith(30);
    const all = await call(`/v1/points/balance?user_id=${aUser}`, { key: adminKey });
    expect(await all.json()).toMatchObject({ tenant: tenantA, balance: 30 });
    const filtered = await call(`/v1/points/balance?user_id=${aUser}&tenant=${tenantA}`, { key: adminKey });
    expect(filtered.status).toBe(200);
    expect((await call(`/v1/points/balance?user_id=${aUser}&tenant=${evil}`, { key: adminKey })).status).toBe(
      404,
    );
    const transactions = await call(`/v1/points/transactions?user_id=${aUser}&tenant=${tenantA}`, {
      key: adminKey,
    });
    expect(((await transactions.json()) as { data: Array<{ amount: number }> }).data).toMatchObject([
      { amount: 30 },
    ]);
    expect(
      (await call(`/v1/points/transactions?user_id=${aUser}&tenant=${evil}`, { key: adminKey })).status,
    ).toBe(404);
  });

  it("a caller key's tenant filter is its own tenant or a 403 naming query.tenant", async () => {
    const aUser = await aUserWith(5);
    expect((await call(`/v1/points/balance?user_id=${aUser}&tenant=${tenantA}`)).status).toBe(200);
    const other = await call(`/v1/points/balance?user_id=${aUser}&tenant=${evil}`);
    expect(other.status).toBe(403);
    expect(((await other.json()) as ProblemBody).errors?.map((e) => e.field)).toEqual(['query.tenant']);
  });

  describe('POST /v1/points/recharge', () => {
    it('a user no tenant has used yet: the recharge must name the tenant (409 naming body.tenant)', async () => {
      const userId = randomUUID();
      const res = await recharge({ user_id: userId, amount: 10, reference: `r-${userId}` });
      expect(res.status).toBe(409);
      expect(((await res.json()) as ProblemBody).errors?.map((e) => e.field)).toEqual(['body.tenant']);
      expect(await f.rows('SELECT id FROM mjk_point_batches WHERE user_id = ?', [userId])).toEqual([]);
    });

    it('names a tenant that exists: an owner of no API key is a 404 naming body.tenant, and claims nothing', async () => {
      const userId = randomUUID();
      const res = await recharge({
        user_id: userId,
        tenant: `nobody-${run}`,
        amount: 10,
        reference: `r-${userId}`,
      });
      expect(res.status).toBe(404);
      expect(((await res.json()) as ProblemBody).errors?.map((e) => e.field)).toEqual(['body.tenant']);
      expect(await f.rows('SELECT tenant FROM tenant_users WHERE user_id = ?', [userId])).toEqual([]);
    });

    it('makes the user the named tenant’s: its caller key reads them, the other tenant’s does not', async () => {
      const userId = await aUserWith(20);
      expect((await call(`/v1/points/balance?user_id=${userId}`)).status).toBe(200);
      expect((await call(`/v1/points/balance?user_id=${userId}`, { key: evilKey })).status).toBe(404);
    });

    it("a user who belongs to a tenant: the tenant may be left out; another tenant's name is a 409", async () => {
      const userId = await aUserWith(20);
      const again = await recharge({ user_id: userId, amount: 5, reference: `again-${userId}` });
      expect(again.status).toBe(201);
      expect(((await again.json()) as { balance: number }).balance).toBe(25);
      const elsewhere = await recharge({
        user_id: userId,
        tenant: evil,
        amount: 5,
        reference: `x-${userId}`,
      });
      expect(elsewhere.status).toBe(409);
      expect(((await elsewhere.json()) as ProblemBody).errors?.map((e) => e.field)).toEqual(['body.tenant']);
      expect(
        ((await (await call(`/v1/points/balance?user_id=${userId}`)).json()) as { balance: number }).balance,
      ).toBe(25);
    });

    it('users with points but no tenant (recharged before tenancy) are claimed by their first recharge', async () => {
      const userId = await f.userWithPoints(7);
      expect((await call(`/v1/points/balance?user_id=${userId}`)).status).toBe(404);
      const res = await recharge({ user_id: userId, tenant: tenantA, amount: 3, reference: `r-${userId}` });
      expect(res.status).toBe(201);
      expect(
        ((await (await call(`/v1/points/balance?user_id=${userId}`)).json()) as { balance: number }).balance,
      ).toBe(10);
    });

    it('two recharges racing to give a new user to two tenants: for each user exactly one is paid', async () => {
      const users = Array.from({ length: 5 }, () => randomUUID());
      const answers = await Promise.all(
        users.flatMap((userId) => [
          recharge({ user_id: userId, tenant: tenantA, amount: 11, reference: `race-a-${userId}` }),
          recharge({ user_id: userId, tenant: evil, amount: 13, reference: `race-e-${userId}` }),
        ]),
      );
      for (const [i, userId] of users.entries()) {
        const [a, e] = [answers[2 * i]!, answers[2 * i + 1]!];
        expect([a.status, e.status].sort()).toEqual([201, 409]);
        const [winner, amount] = a.status === 201 ? [tenantA, 11] : [evil, 13];
        expect(await f.rows('SELECT tenant FROM tenant_users WHERE user_id = ?', [userId])).toEqual([
          { tenant: winner },
        ]);
        const balance = await call(`/v1/points/balance?user_id=${userId}`, { key: adminKey });
        expect(await balance.json()).toMatchObject({ tenant: winner, balance: amount });
      }
    });
  });
});
