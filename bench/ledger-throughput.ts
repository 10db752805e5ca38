/**
 * Ledger throughput: reserve + settle pairs per second, on one hot user and spread over 1,000 users, with
 * 1, 8 and 32 concurrent clients. Baseline in the same run: the bare atomic decrement and increment of a
 * balance row (`UPDATE ... WHERE balance >= ?`, the least any correct ledger must do), same users, same
 * concurrency, so the figures show what batches, transaction rows and idempotency keys cost on top.
 *
 *   node dist/bench/ledger-throughput.js [pairsPerRun=400]
 *
 * Uses MariaDB database <MYSQL_DATABASE>_bench (created and migrated here).
 */
import { randomUUID } from 'node:crypto';
import { PointsLedger } from '../services/points/points-ledger';
import { openBenchDatabase } from './bench-database';
import { runConcurrently } from './run-concurrently';

const pairs = Number(process.argv[2] ?? 400);

async function main(): Promise<void> {
  const sequelize = await openBenchDatabase(40);
  const ledger = new PointsLedger({ sequelize, now: () => new Date() });

  const hot = [randomUUID()];
  const many = Array.from({ length: 1000 }, () => randomUUID());
  for (const user of [...hot, ...many]) {
    await ledger.recharge({
      idempotencyKey: randomUUID(),
      userId: user,
      amount: 1_000_000,
      expiresAt: null,
      sourceType: 'gift',
    });
  }

  async function run(
    users: string[],
    clients: number,
    pair: (user: string) => Promise<void>,
  ): Promise<number> {
    const started = performance.now();
    await runConcurrently(pairs, clients, (i) => pair(users[i % users.length]!));
    return pairs / ((performance.now() - started) / 1000);
  }

  const ledgerPair = async (user: string) => {
    const job = randomUUID();
    await ledger.reserve({
      idempotencyKey: `${job}:reserve`,
      userId: user,
      amount: 10,
      sourceType: 'video',
      sourceId: job,
    });
    await ledger.settle({
      idempotencyKey: `${job}:settle`,
      sourceType: 'video',
      sourceId: job,
      outcome: 'completed',
      actualCost: 7,
    });
  };
  const baselinePair = async (user: string) => {
    await sequelize.query(
      'UPDATE mjk_user_points SET balance = balance - 10 WHERE user_id = ? AND balance >= 10',
      { replacements: [user] },
    );
    await sequelize.query('UPDATE mjk_user_points SET balance = balance + 3 WHERE user_id = ?', {
      replacements: [user],
    });
  };

  console.log(`pairs per run: ${pairs}\n`);
  console.log(
    '| users | clients | baseline: bare UPDATE pairs/s | ledger reserve+settle pairs/s | ledger / baseline |',
  );
  console.log('|---|---|---|---|---|');
  for (const [label, users] of [
    ['1 (hot)', hot],
    ['1,000', many],
  ] as const) {
    for (const clients of [1, 8, 32]) {
      const base = await run([...users], clients, baselinePair);
      const real = await run([...users], clients, ledgerPair);
      console.log(
        `| ${label} | ${clients} | ${base.toFixed(0)} | ${real.toFixed(0)} | ${(real / base).toFixed(2)} |`,
      );
    }
  }
  await sequelize.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
