import { QueryTypes, type Sequelize } from 'sequelize';
import { parseSnowflake } from '../../../db/ids/snowflake';
import {
  NodeIdLease,
  NodeIdTakenError,
  NodeIdUnavailableError,
  SYSTEM_CLOCK,
  type NodeIdLeaseClock,
  type NodeIdLeaseOptions,
} from '../../../services/ids/node-id-leases';
import { migratedTestDatabase } from '../../support/database';
import { until } from '../../support/until';

/**
 * The node id leases against the test database. Other processes may hold rows of the same table (an API a
 * suite spawned, a dev API pointed at this database), so a test that needs a particular row asks for one of
 * the high node ids by hand (automatic leases take the lowest free ones), and no test assumes which node id an
 * automatic lease gets.
 */
describe('snowflake node id leases', () => {
  let sequelize: Sequelize;
  const leases: NodeIdLease[] = [];

  const lease = (options: Partial<NodeIdLeaseOptions> = {}) => {
    const made = new NodeIdLease({ sequelize, role: 'test', ttlMs: 3000, heartbeatMs: 500, ...options });
    leases.push(made);
    return made;
  };
  const row = async (nodeId: number) => {
    const [found] = await sequelize.query<{
      holder: string | null;
      pid: number | null;
      role: string | null;
      mint_until_ms: string | null;
      expired: number;
    }>(
      `SELECT holder, pid, role, mint_until_ms, (expires_at <= NOW(3)) AS expired
         FROM node_id_leases WHERE node_id = ?`,
      { replacements: [nodeId], type: QueryTypes.SELECT },
    );
    return found!;
  };
  /** A wall clock `aheadMs` ahead of this host's, whose sleep moves it on instead of waiting. */
  const clockAhead = (aheadMs: number): NodeIdLeaseClock & { shift: number } => {
    const clock = {
      shift: aheadMs,
      wallMs: () => Date.now() + clock.shift,
      monotonicMs: () => performance.now(),
      sleep: async (ms: number) => void (clock.shift += ms),
    };
    return clock;
  };

  beforeAll(async () => {
    sequelize = await migratedTestDatabase();
    // Rows an interrupted earlier run of this file left held (its ttl is seconds: they lapse by themselves).
    await sequelize.query(
      "UPDATE node_id_leases SET holder = NULL, expires_at = NOW(3) WHERE role = 'test' AND node_id >= 1000",
    );
  });
  afterEach(async () => {
    await Promise.all(leases.splice(0).map((l) => l.release()));
  });
  afterAll(() => sequelize.close());

  it('gives processes racing for node ids a different one each, and the row names its holder', async () => {
    const racing = Array.from({ length: 6 }, () => lease());
    const nodeIds = await Promise.all(racing.map((l) => l.acquire()));
    expect(new Set(nodeIds).size).toBe(6);
    for (const [i, nodeId] of nodeIds.entries()) {
      expect(racing[i]!.nodeId).toBe(nodeId);
      expect(parseSnowflake(racing[i]!.next()).nodeId).toBe(nodeId);
      expect(await row(nodeId)).toMatchObject({ pid: process.pid, role: 'test', expired: 0 });
    }
  });

  it('lets one of two processes asking for the same node id by hand have it; the other fails loudly', async () => {
    const results = await Promise.allSettled([
      lease({ nodeId: 1001 }).acquire(),
      lease({ nodeId: 1001 }).acquire(),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toEqual([{ status: 'fulfilled', value: 1001 }]);
    const [refused] = results.filter((r) => r.status === 'rejected');
    expect(refused.reason).toBeInstanceOf(NodeIdTakenError);
    expect(String(refused.reason)).toMatch(/node id 1001 is held by test pid \d+ on .* until /);
  });

  it('stops minting when its lease could not be renewed, before another process can take the node id', async () => {
    let monotonicShift = 0;
    const holder = lease({
      nodeId: 1002,
      clock: { ...SYSTEM_CLOCK, monotonicMs: () => performance.now() + monotonicShift },
    });
    await holder.acquire();
    expect(parseSnowflake(holder.next()).nodeId).toBe(1002);

    // No renewal for as long as the holder may count on (ttl less the margin): it stops minting, while the
    // database still shows the lease live, so nobody else could have the node id yet.
    monotonicShift = 3000 - 500;
    expect(() => holder.next()).toThrow(NodeIdUnavailableError);
    expect(holder.mintable()).toBe(false);
    expect(await row(1002)).toMatchObject({ expired: 0 });
    await expect(lease({ nodeId: 1002 }).acquire()).rejects.toThrow(NodeIdTakenError);

    // A renewal that gets through lets it mint again.
    expect(await holder.renew()).toBe(true);
    expect(parseSnowflake(holder.next()).nodeId).toBe(1002);
  });

  it('renews in the background while started', async () => {
    const holder = lease({ nodeId: 1003, ttlMs: 1500, heartbeatMs: 200 });
    holder.start();
    const versionAt = async () =>
      (
        await sequelize.query<{ version: number; holder: string | null }>(
          'SELECT version, holder FROM node_id_leases WHERE node_id = 1003',
          { type: QueryTypes.SELECT },
        )
      )[0]!;
    await until(async () => (await versionAt()).holder !== null && holder.mintable(), 'the first lease');
    const first = (await versionAt()).version;
    await until(async () => (await versionAt()).version >= first + 2, 'two renewals');
    expect(parseSnowflake(holder.next()).nodeId).toBe(1003);
  });

  it('hands an expired node id over; the new holder mints after every id of the old, whose clock ran ahead', async () => {
    const old = lease({
      nodeId: 1004,
      ttlMs: 1200,
      heartbeatMs: 300,
      marginMs: 200,
      clock: clockAhead(3000),
    });
    await old.acquire();
    const oldIds = [old.next(), old.next()];
    const promised = Number((await row(1004)).mint_until_ms);
    expect(Math.max(...oldIds.map((id) => parseSnowflake(id).timestampMs))).toBeLessThan(promised);

    // The old holder is never renewed. Once the database says its lease is over, the old holder has stopped.
    await until(async () => (await row(1004)).expired === 1, 'the lease to expire');
    expect(() => old.next()).toThrow(NodeIdUnavailableError);

    // This host's clock is about 4 s behind the old holder's promise: the new holder waits past it.
    const clock = clockAhead(0);
    const successor = lease({ nodeId: 1004, clock });
    expect(await successor.acquire()).toBe(1004);
    expect(clock.shift).toBeGreaterThan(0);
    const next = successor.next();
    expect(parseSnowflake(next).timestampMs).toBeGreaterThan(promised);
    for (const id of oldIds) expect(BigInt(next) > BigInt(id)).toBe(true);

    expect(await old.renew()).toBe(false);
    expect(old.nodeId).toBeNull();
    expect(() => old.next()).toThrow(NodeIdUnavailableError);
  });

  it('frees the node id on release, writing its newest timestamp, so the next holder need not wait', async () => {
    const first = lease({ nodeId: 1005 });
    await first.acquire();
    const last = first.next();
    await first.release();
    expect(() => first.next()).toThrow(NodeIdUnavailableError);
    expect(await row(1005)).toMatchObject({
      holder: null,
      expired: 1,
      mint_until_ms: String(parseSnowflake(last).timestampMs),
    });

    const clock = clockAhead(0);
    const second = lease({ nodeId: 1005, clock });
    expect(await second.acquire()).toBe(1005);
    expect(BigInt(second.next()) > BigInt(last)).toBe(true);
  });
});
