import type { Sequelize } from 'sequelize';
import { AccountWaiters } from '../../../services/accounts/account-waiters';
import { accountTablesAt } from '../../support/accounts';
import { ISOLATION_LEVELS } from '../../../db/connection';

describe.each(ISOLATION_LEVELS)(
  'the queue of jobs waiting for an account (real MariaDB, %s)',
  (isolationLevel) => {
    let sequelize: Sequelize;
    let now: Date;
    const waiters = () => new AccountWaiters({ sequelize, now: () => now, rewakeAfterMs: 60_000 });
    const later = (ms: number) => {
      now = new Date(now.getTime() + ms);
    };
    accountTablesAt(isolationLevel, (db) => (sequelize = db));
    beforeEach(() => {
      now = new Date('2026-11-23T04:00:00.000Z');
    });

    it('wakes the longest-waiting job first, each job once per release', async () => {
      const queue = waiters();
      await queue.enqueue({ holder: 'wf-b', capability: 'image', sites: [0] });
      later(1);
      await queue.enqueue({ holder: 'wf-c', capability: 'image', sites: [0] });
      later(-2);
      await queue.enqueue({ holder: 'wf-a', capability: 'image', sites: [0] });
      expect(await queue.claimNext('image', 0)).toBe('wf-a');
      expect(await queue.claimNext('image', 0)).toBe('wf-b');
      expect(await queue.claimNext('image', 0)).toBe('wf-c');
      expect(await queue.claimNext('image', 0)).toBeNull();
    });

    it('wakes only jobs that can use the freed capability on that site', async () => {
      const queue = waiters();
      await queue.enqueue({ holder: 'wf-video', capability: 'video', sites: [0] });
      await queue.enqueue({ holder: 'wf-site-4', capability: 'image', sites: [4] });
      await queue.enqueue({ holder: 'wf-sites-0-4', capability: 'image', sites: [0, 4] });
      expect(await queue.claimNext('image', 1)).toBeNull();
      expect(await queue.claimNext('image', 0)).toBe('wf-sites-0-4');
      expect(await queue.claimNext('image', 4)).toBe('wf-site-4');
      expect(await queue.claimNext('video', 0)).toBe('wf-video');
    });

    it('keeps a re-queued job in its place, and wakes it again once re-queued', async () => {
      const queue = waiters();
      await queue.enqueue({ holder: 'wf-first', capability: 'image', sites: [0] });
      later(1000);
      await queue.enqueue({ holder: 'wf-second', capability: 'image', sites: [0] });
      expect(await queue.claimNext('image', 0)).toBe('wf-first');
      // Woken, but another job took the account first: it queues again, ahead of wf-second.
      later(1000);
      await queue.enqueue({ holder: 'wf-first', capability: 'image', sites: [0] });
      expect(await queue.claimNext('image', 0)).toBe('wf-first');
    });

    it('sends one wake per release when two releases race for the same oldest job', async () => {
      const queue = waiters();
      for (const holder of ['wf-1', 'wf-2', 'wf-3']) {
        await queue.enqueue({ holder, capability: 'image', sites: [0] });
        later(1);
      }
      const woken = await Promise.all([queue.claimNext('image', 0), waiters().claimNext('image', 0)]);
      expect(new Set(woken)).toEqual(new Set(['wf-1', 'wf-2']));
    });

    it('does not wake a job that got an account or ended, and wakes again one whose wake got lost', async () => {
      const queue = waiters();
      await queue.enqueue({ holder: 'wf-leased', capability: 'image', sites: [0] });
      later(1);
      await queue.enqueue({ holder: 'wf-lost', capability: 'image', sites: [0] });
      await queue.remove('wf-leased');
      expect(await queue.claimNext('image', 0)).toBe('wf-lost');
      expect(await queue.claimNext('image', 0)).toBeNull();
      later(61_000);
      expect(await queue.claimNext('image', 0)).toBe('wf-lost');
    });
  },
);
