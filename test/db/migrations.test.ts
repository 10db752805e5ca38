import { QueryTypes, type Sequelize } from 'sequelize';
import { createMigrator, MIGRATIONS_TABLE } from '../../db/migrator';
import { migrations } from '../../db/migrations/index';
import { connectTestDatabase, testDatabaseOptions } from '../support/database';

const SEED_TABLES = [
  'generation_tasks',
  'tenant_projects',
  'tenant_users',
  'api_idempotency_keys',
  'api_keys',
  'jimeng_accounts',
  'jimeng_account_leases',
  'jimeng_account_waiters',
  'jimeng_image_generation_records',
  'jimeng_video_generation_records',
  'mjk_point_batches',
  'mjk_point_operations',
  'mjk_point_reservations',
  'mjk_user_points',
  'mjk_point_transactions',
  'template_executions',
  'job_outputs',
  'tenant_callback_secrets',
  'node_id_leases',
];

describe('migrations', () => {
  let sequelize: Sequelize;
  const database = testDatabaseOptions().database;

  async function tables(): Promise<string[]> {
    const rows = await sequelize.query<{ TABLE_NAME: string }>(
      'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
      { replacements: [database], type: QueryTypes.SELECT },
    );
    return rows
      .map((r) => r.TABLE_NAME)
      .filter((t) => t !== MIGRATIONS_TABLE)
      .sort();
  }

  beforeAll(() => {
    sequelize = connectTestDatabase();
  });
  afterAll(async () => {
    await createMigrator(sequelize).up(); // leave the schema in place for the other suites
    await sequelize.close();
  });

  it('are named in order and never twice', () => {
    const names = migrations.map((m) => m.name);
    expect([...names].sort()).toEqual(names);
    expect(new Set(names).size).toBe(names.length);
  });

  it('run all the way down and up again, twice, creating exactly the seed tables', async () => {
    const migrator = createMigrator(sequelize);
    for (let round = 0; round < 2; round++) {
      await migrator.down({ to: 0 });
      expect(await tables()).toEqual([]);
      expect(await migrator.pending()).toHaveLength(migrations.length);
      await migrator.up();
      expect(await tables()).toEqual([...SEED_TABLES].sort());
      expect(await migrator.pending()).toHaveLength(0);
    }
  });

  it('are a no-op when run again: up twice changes nothing', async () => {
    const migrator = createMigrator(sequelize);
    await migrator.up();
    expect((await migrator.executed()).map((m) => m.name)).toEqual(migrations.map((m) => m.name));
  });

  it('step down one at a time, each removing only its own tables', async () => {
    const migrator = createMigrator(sequelize);
    await migrator.up();
    const leaseColumns = async () =>
      (
        await sequelize.query<{ COLUMN_NAME: string }>(
          `SELECT COLUMN_NAME FROM information_schema.COLUMNS
            WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'jimeng_account_leases'`,
          { type: QueryTypes.SELECT },
        )
      ).map((c) => c.COLUMN_NAME);
    await migrator.down(); // 0014: leaves the tables as they are (its down changes nothing)
    expect(await tables()).toContain('node_id_leases');
    await migrator.down(); // 0013
    expect(await tables()).not.toContain('node_id_leases');
    expect(await tables()).toContain('tenant_callback_secrets');
    await migrator.down(); // 0012
    expect(await tables()).not.toContain('tenant_callback_secrets');
    expect(await tables()).toContain('generation_tasks');
    expect(await leaseColumns()).toContain('request_key');
    await migrator.down(); // 0011
    expect(await tables()).not.toContain('generation_tasks');
    expect(await tables()).toContain('tenant_users');
    await migrator.down(); // 0010
    expect(await tables()).not.toContain('tenant_users');
    expect(await tables()).not.toContain('tenant_projects');
    expect(await tables()).toContain('jimeng_account_waiters');
    await migrator.down(); // 0009
    expect(await tables()).not.toContain('jimeng_account_waiters');
    expect(await leaseColumns()).toContain('request_key');
    await migrator.down(); // 0008
    expect(await leaseColumns()).not.toContain('request_key');
    expect(await tables()).toContain('api_keys');
    await migrator.down(); // 0007
    expect(await tables()).not.toContain('api_keys');
    expect(await tables()).not.toContain('api_idempotency_keys');
    expect(await tables()).toContain('mjk_point_reservations');
    await migrator.down(); // 0006
    expect(await tables()).not.toContain('mjk_point_reservations');
    await migrator.down(); // 0005
    expect(await tables()).not.toContain('jimeng_account_leases');
    await migrator.down(); // 0004
    expect(await tables()).not.toContain('job_outputs');
    expect(await tables()).toContain('template_executions');
    await migrator.down(); // 0003
    expect(await tables()).not.toContain('template_executions');
    expect(await tables()).toContain('mjk_point_transactions');
    await migrator.up();
    expect(await tables()).toEqual([...SEED_TABLES].sort());
  });
});
