import { QueryTypes, type Sequelize } from 'sequelize';
import { MAX_NODE_ID } from '../../../db/ids/snowflake';
import { migratedTestDatabase } from '../../support/database';

describe('migration 0013-node-id-leases', () => {
  let sequelize: Sequelize;
  beforeAll(async () => {
    sequelize = await migratedTestDatabase();
  });
  afterAll(() => sequelize.close());

  it('writes one row for each snowflake node id, 0 to 1023, so leasing one is an UPDATE', async () => {
    const [stats] = await sequelize.query<{ n: number; lowest: number; highest: number }>(
      'SELECT COUNT(*) AS n, MIN(node_id) AS lowest, MAX(node_id) AS highest FROM node_id_leases',
      { type: QueryTypes.SELECT },
    );
    expect({ ...stats, n: Number(stats!.n) }).toEqual({ n: 1024, lowest: 0, highest: 1023 });
    expect(MAX_NODE_ID).toBe(1023);
  });
});
