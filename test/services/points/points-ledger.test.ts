import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import { LedgerError } from '../../../services/points/ledger-errors';
import { PointsLedger } from '../../../services/points/points-ledger';
import { ISOLATION_LEVELS } from '../../../db/connection';
import { migratedTestDatabaseAt } from '../../support/database';
import { ledgerInvariantViolations, ledgerRows, storedBalance } from '../../support/ledger-invariants';
import { PointsReads } from '../../../services/points/points-reads';

describe.each(ISOLATION_LEVELS)('points ledger (real MariaDB, %s)', (isolationLevel) => {
  let sequelize: Sequelize;
  let now: Date;
  let reads: PointsReads;
  let ledger: PointsLedger;
  const day = 86_400_000;

  beforeAll(async () => {
    sequelize = await migratedTestDatabaseAt(isolationLevel);
  });
  afterAll(async () => {
    await sequelize.close();
  });
  beforeEach(() => {
    now = new Date('2026-11-23T04:00:00.000Z');
    ledger = new PointsLedger({ sequelize, now: () => now });
    reads = new PointsReads(sequelize);
  });

  const recharge = (userId: string, amount: number, expiresInDays: number | null, key = randomUUID()) =>
    ledger.recharge({
      idempotencyKey: key,
      userId,
      amount,
      expiresAt: expiresInDays === null ? null : new Date(now.getTime() + expiresInDays * day),
      sourceType: 'recharge',
      sourceId: `order-${key.slice(0, 8)}`,
    });
  const reserve = (userId: string, amount: number, job = randomUUID(), key = `${job}:reserve`) =>
    ledger.reserve({ idempotencyKey: key, userId, amount, sourceType: 'image', sourceId: job });
  const batchRemaining = async (batchId: string) =>
    Number(
      (
        await sequelize.query<{ remaining: number }>('SELECT remaining FROM mjk_point_batches WHERE id = ?', {
          replacements: [batchId],
          type: QueryTypes.SELECT,
        })
      )[0]!.remaining,
    );

  it('lets exactly 150 of 200 parallel reserves through a balance of 150, never below zero', async () => {
    const user = randomUUID();
    await recharge(user, 150, 30);
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => reserve(user, 1)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(ok).toHaveLength(150);
    expect(
      refused.every((r) => r.reason instanceof LedgerError && r.reason.code === 'insufficient_points'),
    ).toBe(true);
    expect(await reads.balance(user, now)).toBe(0);
    expect(ledgerInvariantViolations(await ledgerRows(sequelize, user))).toEqual([]);
  });

  it('consumes the batch that expires first, then the next, recording each batch touched', async () => {
    const user = randomUUID();
    const late = await recharge(user, 10, 90);
    const never = await recharge(user, 10, null);
    const soon = await recharge(user, 10, 7);
    const r = await reserve(user, 25);
    expect(r.batches).toEqual([
      { batchId: soon.batchId, amount: 10 },
      { batchId: late.batchId, amount: 10 },
      { batchId: never.batchId, amount: 5 },
    ]);
    expect([
      await batchRemaining(soon.batchId),
      await batchRemaining(late.batchId),
      await batchRemaining(never.batchId),
    ]).toEqual([0, 0, 5]);
    const rows = await ledgerRows(sequelize, user);
    expect(
      rows
        .filter((x) => x.type === 'consume')
        .map((x) => [x.batch_id, x.amount, x.balance_before, x.balance_after]),
    ).toEqual([
      [soon.batchId, 10, 30, 20],
      [late.batchId, 10, 20, 10],
      [never.batchId, 5, 10, 5],
    ]);
    expect(rows.find((x) => x.type === 'consume')!.description).toBe('【图片生成】');
  });

  it('refunds the difference when the job cost less, and everything when it failed', async () => {
    const user = randomUUID();
    await recharge(user, 100, 30);
    const cheap = randomUUID();
    await reserve(user, 40, cheap);
    expect(
      await ledger.settle({
        idempotencyKey: `${cheap}:settle`,
        sourceType: 'image',
        sourceId: cheap,
        outcome: 'completed',
        actualCost: 25,
      }),
    ).toEqual({
      outcome: 'completed',
      cost: 25,
      refunded: 15,
      balance: 75,
    });
    const failed = randomUUID();
    await reserve(user, 30, failed);
    expect(
      (
        await ledger.settle({
          idempotencyKey: `${failed}:settle`,
          sourceType: 'image',
          sourceId: failed,
          outcome: 'failed',
        })
      ).refunded,
    ).toBe(30);
    expect(await reads.balance(user, now)).toBe(75);
    expect(ledgerInvariantViolations(await ledgerRows(sequelize, user))).toEqual([]);
  });

  it('settles a job once when completion and cancellation race', async () => {
    const user = randomUUID();
    await recharge(user, 100, 30);
    const job = randomUUID();
    await reserve(user, 50, job);
    const [a, b] = await Promise.all([
      ledger.settle({
        idempotencyKey: `${job}:settle`,
        sourceType: 'image',
        sourceId: job,
        outcome: 'completed',
        actualCost: 50,
      }),
      ledger.settle({
        idempotencyKey: `${job}:cancel`,
        sourceType: 'image',
        sourceId: job,
        outcome: 'cancelled',
      }),
    ]);
    expect(a).toEqual(b);
    const rows = await ledgerRows(sequelize, user);
    const refunds = rows.filter((r) => r.type === 'refund');
    expect(refunds.length).toBe(a.outcome === 'cancelled' ? 1 : 0);
    expect(await reads.balance(user, now)).toBe(a.balance);
    // A retried settle with the first key, or any later settle, returns the first result again.
    expect(
      await ledger.settle({
        idempotencyKey: `${job}:settle`,
        sourceType: 'image',
        sourceId: job,
        outcome: 'failed',
      }),
    ).toEqual(a);
  });

  it('makes a retried reserve or recharge a no-op that returns the first result, and refuses a reused key', async () => {
    const user = randomUUID();
    const key = randomUUID();
    const first = await recharge(user, 20, 30, key);
    expect(await recharge(user, 20, 30, key)).toEqual(first);
    const job = randomUUID();
    const r1 = await reserve(user, 5, job);
    expect(await reserve(user, 5, job)).toEqual(r1);
    expect(await reads.balance(user, now)).toBe(15);
    await expect(reserve(user, 6, job)).rejects.toMatchObject({
      code: 'idempotency_conflict',
      field: 'idempotencyKey',
    });
    expect((await ledgerRows(sequelize, user)).length).toBe(2);
  });

  it('answers a recharge with the spendable balance: a batch past due is expired first, not counted', async () => {
    const user = randomUUID();
    await recharge(user, 10, 1);
    now = new Date(now.getTime() + 2 * day);
    expect(await storedBalance(sequelize, user)).toBe(10);
    expect(await reads.balance(user, now)).toBe(0);

    const fresh = await recharge(user, 25, null);

    expect(fresh.balance).toBe(25);
    expect(await reads.balance(user, now)).toBe(25);
    expect(await storedBalance(sequelize, user)).toBe(25);
    const rows = await ledgerRows(sequelize, user);
    expect(rows.map((r) => [r.type, r.amount, r.balance_after])).toEqual([
      ['recharge', 10, 10],
      ['expire', 10, 0],
      ['recharge', 25, 25],
    ]);
  });

  it('expires the unused rest of a half-used batch once, and expires at once a refund into an expired batch', async () => {
    const user = randomUUID();
    const batch = await recharge(user, 10, 1);
    const job = randomUUID();
    await reserve(user, 4, job);
    now = new Date(now.getTime() + 2 * day);
    // Run twice: the second run finds nothing left of this user's batch (rows below show one expire).
    expect(await ledger.expireDue()).toBeGreaterThanOrEqual(1);
    await ledger.expireDue();
    expect(await reads.balance(user, now)).toBe(0);
    const settled = await ledger.settle({
      idempotencyKey: `${job}:settle`,
      sourceType: 'image',
      sourceId: job,
      outcome: 'failed',
    });
    expect(settled).toMatchObject({ refunded: 4, balance: 0 });
    expect(await batchRemaining(batch.batchId)).toBe(0);
    const rows = await ledgerRows(sequelize, user);
    expect(rows.map((r) => [r.type, r.amount, r.balance_after])).toEqual([
      ['recharge', 10, 10],
      ['consume', 4, 6],
      ['expire', 6, 0],
      ['refund', 4, 4],
      ['expire', 4, 0],
    ]);
    expect(ledgerInvariantViolations(rows)).toEqual([]);
  });

  it('refuses bad input with a named error and writes nothing', async () => {
    const user = randomUUID();
    await recharge(user, 10, 30);
    const count = async () => (await ledgerRows(sequelize, user)).length;
    const before = await count();
    const cases: Array<[() => Promise<unknown>, string, string]> = [
      [() => reserve(user, 0), 'invalid_amount', 'amount'],
      [() => reserve(user, -5), 'invalid_amount', 'amount'],
      [() => reserve(user, 1.5), 'invalid_amount', 'amount'],
      [() => reserve(randomUUID(), 1), 'unknown_user', 'userId'],
      [() => reserve('not-a-uuid', 1), 'invalid_user', 'userId'],
      [
        () =>
          ledger.reserve({
            idempotencyKey: 'k',
            userId: user,
            amount: 1,
            sourceType: 'music' as 'image',
            sourceId: 'j',
          }),
        'invalid_source_type',
        'sourceType',
      ],
      [() => reserve(user, 11), 'insufficient_points', 'amount'],
      [
        () =>
          ledger.settle({ idempotencyKey: 'k2', sourceType: 'image', sourceId: 'nope', outcome: 'failed' }),
        'unknown_reservation',
        'sourceId',
      ],
      [() => recharge(user, 0.01, 30), 'invalid_amount', 'amount'],
    ];
    for (const [call, code, field] of cases) {
      await expect(call()).rejects.toMatchObject({ name: 'LedgerError', code, field });
    }
    expect(await count()).toBe(before);
    expect(await reads.balance(user, now)).toBe(10);
  });

  it('keeps every invariant through a randomized run of concurrent operations', async () => {
    const users = Array.from({ length: 5 }, () => randomUUID());
    let seed = 99;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const jobs: Array<{ user: string; job: string }> = [];
    for (const u of users) await recharge(u, 200, 3 + Math.floor(random() * 5));
    const ops: Array<() => Promise<unknown>> = [];
    for (let i = 0; i < 3000; i++) {
      const user = users[Math.floor(random() * users.length)]!;
      const dice = random();
      if (dice < 0.1)
        ops.push(() =>
          recharge(
            user,
            1 + Math.floor(random() * 50),
            random() < 0.3 ? null : 1 + Math.floor(random() * 10),
          ),
        );
      else if (dice < 0.6) {
        const job = randomUUID();
        jobs.push({ user, job });
        ops.push(() => reserve(user, 1 + Math.floor(random() * 20), job));
      } else if (jobs.length > 0) {
        const { job } = jobs[Math.floor(random() * jobs.length)]!;
        const outcome = random() < 0.5 ? 'completed' : random() < 0.5 ? 'failed' : 'cancelled';
        const cost = Math.floor(random() * 25);
        ops.push(() =>
          ledger.settle({
            idempotencyKey: `${job}:${outcome}`,
            sourceType: 'image',
            sourceId: job,
            outcome,
            actualCost: cost,
          }),
        );
      }
      if (i % 600 === 599) {
        ops.push(async () => {
          now = new Date(now.getTime() + 2 * day);
          return ledger.expireDue();
        });
      }
    }
    // Eight at a time, as eight activities would.
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < ops.length) {
          await ops[next++]!().catch((err: unknown) => {
            if (!(err instanceof LedgerError)) throw err;
          });
        }
      }),
    );
    for (const u of users) {
      const violations = ledgerInvariantViolations(
        await ledgerRows(sequelize, u),
        await storedBalance(sequelize, u),
      );
      expect({ user: u, violations }).toEqual({ user: u, violations: [] });
      const sum = await sequelize.query<{ s: number }>(
        'SELECT COALESCE(SUM(remaining), 0) AS s FROM mjk_point_batches WHERE user_id = ?',
        {
          replacements: [u],
          type: QueryTypes.SELECT,
        },
      );
      expect(Number(sum[0]!.s)).toBe(await storedBalance(sequelize, u));
    }
  });
});
