import { randomUUID } from 'node:crypto';
import { issueApiKey } from '../../../api/auth/issue-api-key';
import { apiCaller, type RunningServer } from '../../support/koa-test-server';
import { storedBalance } from '../../support/ledger-invariants';
import { GenerationFixture } from '../../workflows/generation-fixture';

interface Balance {
  user_id: string;
  balance: number;
  expiring: Array<{ batch_id: string; remaining: number; expires_at: string }>;
}
interface Transaction {
  id: string;
  type: string;
  amount: number;
  balance_before: number;
  balance_after: number;
  source_type: string | null;
  source_id: string | null;
  batch_id: string | null;
  description: string | null;
  created_at: string;
}
interface Page {
  data: Transaction[];
  next_cursor: string | null;
}
interface ProblemBody {
  status: number;
  errors?: Array<{ field: string; reason: string }>;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** DATETIME keeps whole seconds: expiries in whole seconds come back exactly as sent. */
const inWholeSeconds = (offsetMs: number) => new Date(Math.floor(Date.now() / 1000) * 1000 + offsetMs);

/**
 * Points through the real API: Koa in-process, the Temporal dev server, MariaDB, and the fixture's worker
 * (recharges are written by the points workflow's activity, reads are SQL).
 */
describe('points through the HTTP API', () => {
  const f = new GenerationFixture();
  let server: RunningServer;
  let url: string;
  let adminKey: string;
  let otherAdminKey: string;
  let callerKey: string;
  /** The caller key's tenant: recharges name it, so the users they create are the caller's. */
  let tenant: string;

  const call = apiCaller(
    () => url,
    () => callerKey,
  );
  const recharge = (json: Record<string, unknown>, key = adminKey, headers: Record<string, string> = {}) =>
    call('/v1/points/recharge', { method: 'POST', key, json: { tenant, ...json }, headers });
  const balanceOf = async (userId: string): Promise<Balance> => {
    const res = await call(`/v1/points/balance?user_id=${userId}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Balance;
  };
  const transactionsOf = async (query: string): Promise<Page> => {
    const res = await call(`/v1/points/transactions?${query}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Page;
  };
  const batchCount = async (userId: string) =>
    (await f.rows('SELECT id FROM mjk_point_batches WHERE user_id = ?', [userId])).length;
  const expectProblem = async (res: Response, status: number, field?: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const body = (await res.json()) as ProblemBody;
    expect(body.status).toBe(status);
    if (field) expect(body.errors?.map((e) => e.field)).toContain(field);
    return body;
  };

  beforeAll(async () => {
    await f.start();
    server = await f.listenApi();
    url = server.url;
    // References are remembered per owner for good (the ledger's operations): owners new to each run keep
    // the fixed references below from meeting those of an earlier run.
    const run = randomUUID().slice(0, 8);
    adminKey = (await issueApiKey(f.sequelize, { owner: `points-ops-${run}`, scope: 'admin' })).key;
    otherAdminKey = (await issueApiKey(f.sequelize, { owner: `points-ops-2-${run}`, scope: 'admin' })).key;
    tenant = `points-tenant-${run}`;
    callerKey = (await issueApiKey(f.sequelize, { owner: tenant, scope: 'caller' })).key;
  }, 120_000);
  afterAll(async () => {
    await server.close();
    await f.close();
  }, 60_000);

  describe('POST /v1/points/recharge', () => {
    it('credits one batch (201) and the balance shows it', async () => {
      const userId = randomUUID();
      const res = await recharge({ user_id: userId, amount: 120, reference: `order-${userId}` });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { batch_id: string; balance: number };
      expect(body).toEqual({ batch_id: expect.stringMatching(/^\d+$/), balance: 120 });
      expect(await balanceOf(userId)).toEqual({ user_id: userId, tenant, balance: 120, expiring: [] });
      const batch = await f.row<{ amount: number; expires_at: Date | null; source_type: string }>(
        'SELECT amount, expires_at, source_type FROM mjk_point_batches WHERE id = ?',
        [body.batch_id],
      );
      expect(batch).toEqual({ amount: 120, expires_at: null, source_type: 'recharge' });
    });

    it('keeps source_type, source_id and the expiry on the batch and its transaction', async () => {
      const userId = randomUUID();
      const expiresAt = inWholeSeconds(30 * DAY_MS);
      const res = await recharge({
        user_id: userId,
        amount: 15,
        source_type: 'gift',
        source_id: 'campaign-7',
        expires_at: expiresAt.toISOString(),
        reference: 'gift-1',
      });
      expect(res.status).toBe(201);
      const { batch_id: batchId } = (await res.json()) as { batch_id: string };
      const page = await transactionsOf(`user_id=${userId}`);
      expect(page.data).toEqual([
        expect.objectContaining({
          type: 'recharge',
          amount: 15,
          balance_before: 0,
          balance_after: 15,
          source_type: 'gift',
          source_id: 'campaign-7',
          batch_id: batchId,
        }),
      ]);
      expect((await balanceOf(userId)).expiring).toEqual([
        { batch_id: batchId, remaining: 15, expires_at: expiresAt.toISOString() },
      ]);
    });

    it('pays a reference once: the same request again gets the same answer and no second batch', async () => {
      const userId = randomUUID();
      const request = { user_id: userId, amount: 50, reference: 'retry-me' };
      const first = await recharge(request);
      const second = await recharge(request);
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(await second.json()).toEqual(await first.json());
      expect(await batchCount(userId)).toBe(1);
      expect((await balanceOf(userId)).balance).toBe(50);
    });

    it('replays the first response for the same Idempotency-Key', async () => {
      const userId = randomUUID();
      const request = { user_id: userId, amount: 30, reference: 'with-key' };
      const headers = { 'idempotency-key': `key-${userId}` };
      const first = await recharge(request, adminKey, headers);
      const replay = await recharge(request, adminKey, headers);
      expect(first.status).toBe(201);
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(await replay.json()).toEqual(await first.json());
      expect(await batchCount(userId)).toBe(1);
    });

    it('refuses a reference reused for a different recharge (422 naming body.reference)', async () => {
      const userId = randomUUID();
      expect((await recharge({ user_id: userId, amount: 10, reference: 'once' })).status).toBe(201);
      await expectProblem(
        await recharge({ user_id: userId, amount: 11, reference: 'once' }),
        422,
        'body.reference',
      );
      expect((await balanceOf(userId)).balance).toBe(10);
    });

    it('pays exactly one of two concurrent recharges that share a reference but differ', async () => {
      const userId = randomUUID();
      const answers = await Promise.all([
        recharge({ user_id: userId, amount: 7, reference: 'race' }),
        recharge({ user_id: userId, amount: 8, reference: 'race' }),
      ]);
      expect(answers.map((r) => r.status).sort()).toEqual([201, 422]);
      const paid = (await answers.find((r) => r.status === 201)!.json()) as { balance: number };
      expect([7, 8]).toContain(paid.balance);
      expect(await batchCount(userId)).toBe(1);
      expect((await balanceOf(userId)).balance).toBe(paid.balance);
    });

    it('keeps references apart per owner: two admins with the same reference both pay', async () => {
      const userId = randomUUID();
      const request = { user_id: userId, amount: 5, reference: 'shared-ref' };
      expect((await recharge(request, adminKey)).status).toBe(201);
      expect((await recharge(request, otherAdminKey)).status).toBe(201);
      expect((await balanceOf(userId)).balance).toBe(10);
    });

    it('needs an admin key: a caller key gets 403 and nothing is written', async () => {
      const userId = randomUUID();
      await expectProblem(await recharge({ user_id: userId, amount: 5, reference: 'r' }, callerKey), 403);
      expect(await batchCount(userId)).toBe(0);
    });

    it('needs a key: 401 without one', async () => {
      const res = await call('/v1/points/recharge', {
        method: 'POST',
        key: null,
        json: { user_id: randomUUID(), amount: 5, reference: 'r' },
      });
      await expectProblem(res, 401);
    });

    it('refuses an expiry in the past (422 naming body.expires_at)', async () => {
      const userId = randomUUID();
      const res = await recharge({
        user_id: userId,
        amount: 5,
        expires_at: new Date(Date.now() - 60_000).toISOString(),
        reference: 'late',
      });
      await expectProblem(res, 422, 'body.expires_at');
      expect(await batchCount(userId)).toBe(0);
    });

    it.each<[string, unknown]>([
      ['zero', 0],
      ['a fraction', 1.5],
      ['negative', -5],
      ['above the maximum', 1_000_001],
      ['a string', '10'],
    ])('refuses an amount that is %s (422 naming body.amount)', async (_name, amount) => {
      const userId = randomUUID();
      await expectProblem(await recharge({ user_id: userId, amount, reference: 'bad' }), 422, 'body.amount');
      expect(await batchCount(userId)).toBe(0);
    });

    it.each<[string, string, Record<string, unknown>]>([
      ['an unknown field', 'body.colour', { colour: 'red' }],
      ['no reference', 'body.reference', { reference: undefined }],
      ['a reference with a separator', 'body.reference', { reference: 'a:b' }],
      ['a reference too long', 'body.reference', { reference: 'r'.repeat(65) }],
      ['an unknown source_type', 'body.source_type', { source_type: 'bonus' }],
      ['a blank source_id', 'body.source_id', { source_id: '  ' }],
      ['an invalid user_id', 'body.user_id', { user_id: 'user-1' }],
      ['an expiry that is not ISO 8601', 'body.expires_at', { expires_at: 'tomorrow' }],
    ])('refuses %s (422 naming %s)', async (_name, field, change) => {
      const userId = randomUUID();
      const body = await expectProblem(
        await recharge({ user_id: userId, amount: 5, reference: 'bad-input', ...change }),
        422,
        field,
      );
      if (field === 'body.colour') expect(body.errors).toContainEqual({ field, reason: 'unknown field' });
      expect(await batchCount(userId)).toBe(0);
    });
  });

  describe('GET /v1/points/balance', () => {
    it('lists the batches that will expire, soonest first, and leaves out what is already past due', async () => {
      const userId = randomUUID();
      const inOneDay = inWholeSeconds(DAY_MS);
      const inTwoDays = inWholeSeconds(2 * DAY_MS);
      const ids: string[] = [];
      for (const [amount, expiresAt, reference] of [
        [100, undefined, 'never'],
        [20, inTwoDays, 'two-days'],
        [10, inOneDay, 'one-day'],
      ] as const) {
        const res = await recharge({
          user_id: userId,
          amount,
          reference,
          ...(expiresAt ? { expires_at: expiresAt.toISOString() } : {}),
        });
        expect(res.status).toBe(201);
        ids.push(((await res.json()) as { batch_id: string }).batch_id);
      }
      // Past its expiry but not yet expired by the schedule: in the stored balance, not spendable.
      await f.ledger.recharge({
        idempotencyKey: `due-${userId}`,
        userId,
        amount: 7,
        expiresAt: new Date(Date.now() - 60_000),
        sourceType: 'gift',
      });
      expect(await storedBalance(f.sequelize, userId)).toBe(137);

      expect(await balanceOf(userId)).toEqual({
        user_id: userId,
        tenant,
        balance: 130,
        expiring: [
          { batch_id: ids[2], remaining: 10, expires_at: inOneDay.toISOString() },
          { batch_id: ids[1], remaining: 20, expires_at: inTwoDays.toISOString() },
        ],
      });
    });

    it('shows what is left of a batch after spending', async () => {
      const userId = randomUUID();
      const inOneDay = inWholeSeconds(DAY_MS);
      const res = await recharge({
        user_id: userId,
        amount: 10,
        expires_at: inOneDay.toISOString(),
        reference: 'spend',
      });
      const { batch_id: batchId } = (await res.json()) as { batch_id: string };
      await f.ledger.reserve({
        idempotencyKey: `reserve-${userId}`,
        userId,
        amount: 4,
        sourceType: 'image',
        sourceId: `task-${userId.slice(0, 8)}`,
      });
      expect(await balanceOf(userId)).toEqual({
        user_id: userId,
        tenant,
        balance: 6,
        expiring: [{ batch_id: batchId, remaining: 6, expires_at: inOneDay.toISOString() }],
      });
    });

    it('answers an admin key 0 and no tenant for a user nobody has used, a caller key 404', async () => {
      const userId = randomUUID();
      const res = await call(`/v1/points/balance?user_id=${userId}`, { key: adminKey });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ user_id: userId, tenant: null, balance: 0, expiring: [] });
      await expectProblem(await call(`/v1/points/balance?user_id=${userId}`), 404, 'query.user_id');
    });

    it('reads the same user for an admin key as for a caller key', async () => {
      const userId = randomUUID();
      expect((await recharge({ user_id: userId, amount: 9, reference: `nine-${userId}` })).status).toBe(201);
      const res = await call(`/v1/points/balance?user_id=${userId}`, { key: adminKey });
      expect(res.status).toBe(200);
      expect(((await res.json()) as Balance).balance).toBe(9);
      expect((await balanceOf(userId)).balance).toBe(9);
    });

    it.each([
      ['not a UUID', 'user_id=42'],
      ['missing', ''],
    ])('refuses a user_id that is %s (422 naming query.user_id)', async (_name, query) => {
      await expectProblem(await call(`/v1/points/balance?${query}`), 422, 'query.user_id');
    });

    it('needs a key: 401 without one', async () => {
      await expectProblem(await call(`/v1/points/balance?user_id=${randomUUID()}`, { key: null }), 401);
    });
  });

  describe('GET /v1/points/transactions', () => {
    /**
     * 5 recharges through the API, then a reservation of 4 (consume) that fails and is refunded (refund). The
     * tests below only read, so they share one such user: each recharge is a workflow round trip.
     */
    let seven: Promise<{ userId: string; sourceId: string }> | undefined;
    const sevenRows = () => (seven ??= makeSevenRows());
    const makeSevenRows = async () => {
      const userId = randomUUID();
      for (let i = 1; i <= 5; i++) {
        const res = await recharge({ user_id: userId, amount: 10 * i, reference: `r${i}-${userId}` });
        expect(res.status).toBe(201);
      }
      const sourceId = `task-${userId.slice(0, 8)}`;
      await f.ledger.reserve({
        idempotencyKey: `reserve-${userId}`,
        userId,
        amount: 4,
        sourceType: 'image',
        sourceId,
      });
      await f.ledger.settle({
        idempotencyKey: `settle-${userId}`,
        sourceType: 'image',
        sourceId,
        outcome: 'failed',
      });
      return { userId, sourceId };
    };

    it('lists every row newest first, recharges included', async () => {
      const { userId, sourceId } = await sevenRows();
      const page = await transactionsOf(`user_id=${userId}&limit=100`);
      expect(page.next_cursor).toBeNull();
      expect(page.data.map((t) => t.type)).toEqual([
        'refund',
        'consume',
        'recharge',
        'recharge',
        'recharge',
        'recharge',
        'recharge',
      ]);
      const ids = page.data.map((t) => BigInt(t.id));
      expect([...ids].sort((a, b) => (a > b ? -1 : 1))).toEqual(ids);
      expect(page.data.slice(2).map((t) => t.amount)).toEqual([50, 40, 30, 20, 10]);
      expect(page.data[2]).toMatchObject({
        balance_before: 100,
        balance_after: 150,
        source_type: 'recharge',
      });
      expect(page.data[1]).toMatchObject({ amount: 4, source_type: 'image', source_id: sourceId });
      expect(new Date(page.data[0]!.created_at).getTime()).toBeGreaterThan(Date.now() - 5 * 60_000);
    });

    it('filters by type, source_type and source_id', async () => {
      const { userId, sourceId } = await sevenRows();
      const recharges = await transactionsOf(`user_id=${userId}&type=recharge`);
      expect(recharges.data).toHaveLength(5);
      expect(recharges.data.every((t) => t.type === 'recharge')).toBe(true);
      const consumed = await transactionsOf(`user_id=${userId}&type=consume`);
      expect(consumed.data.map((t) => [t.type, t.amount])).toEqual([['consume', 4]]);
      const forImages = await transactionsOf(`user_id=${userId}&source_type=image`);
      expect(forImages.data.map((t) => t.type)).toEqual(['refund', 'consume']);
      const forTask = await transactionsOf(`user_id=${userId}&source_id=${sourceId}&type=refund`);
      expect(forTask.data.map((t) => [t.type, t.source_id])).toEqual([['refund', sourceId]]);
      expect((await transactionsOf(`user_id=${userId}&source_type=video`)).data).toEqual([]);
    });

    it('walks every row exactly once by keyset pages', async () => {
      const { userId } = await sevenRows();
      const all = (await transactionsOf(`user_id=${userId}&limit=100`)).data.map((t) => t.id);
      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `user_id=${userId}&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await transactionsOf(query);
        sizes.push(page.data.length);
        seen.push(...page.data.map((t) => t.id));
        cursor = page.next_cursor;
      } while (cursor !== null);
      expect(sizes).toEqual([3, 3, 1]);
      expect(seen).toEqual(all);
      expect(new Set(seen).size).toBe(7);
    });

    it('does not show one user the rows of another', async () => {
      const { userId } = await sevenRows();
      const other = randomUUID();
      expect((await recharge({ user_id: other, amount: 3, reference: `three-${other}` })).status).toBe(201);
      const page = await transactionsOf(`user_id=${other}`);
      expect(page.data.map((t) => [t.type, t.amount])).toEqual([['recharge', 3]]);
      expect((await transactionsOf(`user_id=${userId}`)).data).toHaveLength(7);
    });

    it.each([
      ['a cursor it did not issue', 'query.cursor', 'cursor=not-a-cursor'],
      [
        'a cursor with a non-numeric id',
        'query.cursor',
        `cursor=${Buffer.from('["tx","1 OR 1"]').toString('base64url')}`,
      ],
      ['an invalid user_id', 'query.user_id', 'user_id=nobody'],
      ['an unknown type', 'query.type', 'type=gift'],
      ['a limit above 100', 'query.limit', 'limit=101'],
      ['a limit of 0', 'query.limit', 'limit=0'],
      ['an unknown parameter', 'query.sort', 'sort=asc'],
    ])('refuses %s (422 naming %s)', async (_name, field, query) => {
      const userId = randomUUID();
      const withUser = query.startsWith('user_id=') ? query : `user_id=${userId}&${query}`;
      await expectProblem(await call(`/v1/points/transactions?${withUser}`), 422, field);
    });

    it('needs a key: 401 without one', async () => {
      await expectProblem(await call(`/v1/points/transactions?user_id=${randomUUID()}`, { key: null }), 401);
    });
  });
});
