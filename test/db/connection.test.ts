import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { ISOLATION_LEVELS } from '../../db/connection';
import { connectTestDatabase, sessionIsolationLevel } from '../support/database';

describe('database sessions', () => {
  let sequelize: Sequelize | undefined;
  afterEach(async () => {
    await sequelize?.close();
    sequelize = undefined;
  });

  it.each(ISOLATION_LEVELS)(
    'run every pooled session at the configured isolation level: %s',
    async (level) => {
      sequelize = connectTestDatabase({ isolationLevel: level, poolMax: 3 });
      const db = sequelize;
      // Three transactions open at once hold three connections of the pool.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const seen: Array<{ connection: number; level: string }> = [];
      const opened: Array<Promise<void>> = [];
      let ready!: () => void;
      const allOpen = new Promise<void>((resolve) => (ready = resolve));
      const inside = async (t: Transaction) => {
        const [row] = await db.query<{ id: number }>('SELECT CONNECTION_ID() AS id', {
          type: QueryTypes.SELECT,
          transaction: t,
        });
        seen.push({ connection: Number(row!.id), level: await sessionIsolationLevel(db, t) });
        if (seen.length === 3) ready();
        await held;
      };
      for (let i = 0; i < 3; i++) opened.push(db.transaction(inside));
      await allOpen;
      release();
      await Promise.all(opened);
      expect(new Set(seen.map((s) => s.connection)).size).toBe(3);
      expect(seen.map((s) => s.level)).toEqual([level, level, level]);
    },
  );

  it('keep utf8mb4 on the wire: a 4-byte character comes back as sent', async () => {
    sequelize = connectTestDatabase({ poolMax: 1 });
    const [row] = await sequelize.query<{ text: string }>('SELECT ? AS text', {
      replacements: ['🐱𠀋'],
      type: QueryTypes.SELECT,
    });
    expect(row!.text).toBe('🐱𠀋');
  });
});
