import { QueryTypes, type Sequelize } from 'sequelize';
import { sqlTime } from '../../db/sql-time';
import type { GenerationType } from '../../domain/generation/generation-types';

export interface AccountWaitersOptions {
  sequelize: Sequelize;
  now: () => Date;
  /** A wake not followed by a lease within this long may be sent again (the signal or the job got lost). */
  rewakeAfterMs?: number;
}

export interface Waiter {
  holder: string;
  capability: GenerationType;
  sites: readonly number[];
}

/**
 * The queue of jobs waiting for a free account (jimeng_account_waiters), oldest first. The pool's lease stays
 * the only way to get an account; this only decides whom a release wakes, so a freed account is taken within
 * a hand-off instead of at some job's next durable timer.
 */
export class AccountWaiters {
  private readonly sequelize: Sequelize;
  private readonly now: () => Date;
  private readonly rewakeAfterMs: number;

  constructor(options: AccountWaitersOptions) {
    this.sequelize = options.sequelize;
    this.now = options.now;
    this.rewakeAfterMs = options.rewakeAfterMs ?? 60_000;
  }

  /** Queues a job, or re-arms it after a wake that did not get it an account: its place in line is kept. */
  async enqueue(waiter: Waiter): Promise<void> {
    // The values are bound again in the UPDATE part: VALUES() there is deprecated on MySQL 8, and its
    // replacement (a row alias) does not exist on MariaDB.
    await this.sequelize.query(
      `INSERT INTO jimeng_account_waiters (holder, capability, sites, waiting_since, woken_at)
       VALUES (:holder, :capability, :sites, :since, NULL)
       ON DUPLICATE KEY UPDATE capability = :capability, sites = :sites, woken_at = NULL`,
      {
        replacements: {
          holder: waiter.holder,
          capability: waiter.capability,
          sites: waiter.sites.join(','),
          since: sqlTime(this.now()),
        },
      },
    );
  }

  /** The job got an account, or ended: it waits no more. */
  async remove(holder: string): Promise<void> {
    await this.sequelize.query('DELETE FROM jimeng_account_waiters WHERE holder = ?', {
      replacements: [holder],
    });
  }

  /**
   * Claims the longest-waiting job that can use an account of this capability and site, marking it woken so a
   * concurrent release wakes the next one; null when nobody waits for it.
   */
  async claimNext(capability: GenerationType, siteType: number): Promise<string | null> {
    const now = this.now();
    const stale = sqlTime(new Date(now.getTime() - this.rewakeAfterMs));
    for (let round = 0; round < 3; round++) {
      const candidates = await this.sequelize.query<{ holder: string }>(
        `SELECT holder FROM jimeng_account_waiters
          WHERE capability = ? AND FIND_IN_SET(?, sites) > 0 AND (woken_at IS NULL OR woken_at < ?)
          ORDER BY waiting_since, holder LIMIT 5`,
        { replacements: [capability, String(siteType), stale], type: QueryTypes.SELECT },
      );
      if (candidates.length === 0) return null;
      for (const { holder } of candidates) {
        // Compare-and-set: of two releases that read the same oldest waiter, one wakes it, the other the next.
        const [, affected] = await this.sequelize.query(
          `UPDATE jimeng_account_waiters SET woken_at = ?
            WHERE holder = ? AND (woken_at IS NULL OR woken_at < ?)`,
          { replacements: [sqlTime(now), holder, stale], type: QueryTypes.UPDATE },
        );
        if (affected === 1) return holder;
      }
    }
    return null;
  }
}
