import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { retryingDeadlocks } from '../../db/errors';

/**
 * Which tenant owns what, defined once (issue 17). A tenant is an API key's `owner`.
 *
 * - An end user (`user_id`) and a project (`project_id`) belong to the tenant that used them first, a recharge
 *   or a generation: tenant_users and tenant_projects (migration 0010), written by claim() and never changed.
 * - A task belongs to the tenant that asked for it: generation_tasks.tenant (migration 0011), written when the
 *   task began, from the workflow input's createdBy. NULL (a task started without the API) is no tenant's.
 *
 * Seeing is by scope: a caller key sees its own tenant, an admin key every tenant or the one it filters on.
 */
export type TenantScope = { readonly tenant: string } | 'every tenant';

/** Whether something owned by `owner` (null: by no tenant) is visible in `scope`. */
export function canSee(scope: TenantScope, owner: string | null): boolean {
  return scope === 'every tenant' || owner === scope.tenant;
}

/**
 * The SQL condition restricting generation_tasks rows (as `alias`) to the tasks `scope` sees, with its
 * replacements; null when it sees them all. The list of tasks cannot filter after reading (its pages are keyset
 * pages), so the rule of canSee() for tasks is also said here, over the same column.
 */
export function tasksInScope(scope: TenantScope, alias: string): [string, string[]] | null {
  return scope === 'every tenant' ? null : [`${alias}.tenant = ?`, [scope.tenant]];
}

/** What claiming one user or project found: this tenant's (now or already), or another tenant's. */
export type ClaimResult = 'ours' | 'taken';

export interface ClaimOutcome {
  user?: ClaimResult;
  project?: ClaimResult;
}

const CLAIMS = {
  user: { table: 'tenant_users', column: 'user_id' },
  project: { table: 'tenant_projects', column: 'project_id' },
} as const;
type Subject = keyof typeof CLAIMS;

export class TenantOwnership {
  constructor(private readonly sequelize: Sequelize) {}

  /** The tenant a user belongs to, or null while no tenant has used them. */
  userOwner(userId: string): Promise<string | null> {
    return this.ownerOf('user', userId);
  }

  projectOwner(projectId: string): Promise<string | null> {
    return this.ownerOf('project', projectId);
  }

  /** Whether `name` is a tenant: the owner of an API key (revoked or not: its users and tasks remain). */
  async isTenant(name: string): Promise<boolean> {
    const rows = await this.sequelize.query('SELECT 1 AS found FROM api_keys WHERE owner = ? LIMIT 1', {
      replacements: [name],
      type: QueryTypes.SELECT,
    });
    return rows.length > 0;
  }

  /**
   * Records `tenant` as the owner of the given user and project unless they belong to someone already, in one
   * transaction: when either is another tenant's, neither is claimed (a refused request takes nothing). Two
   * tenants racing for a new user or project: the PRIMARY KEY lets one INSERT through, the other waits for it
   * and finds the winner's row. Users before projects, always, so two claims never wait on each other in a
   * circle.
   */
  async claim(tenant: string, subjects: { userId?: string; projectId?: string }): Promise<ClaimOutcome> {
    return retryingDeadlocks(async () => {
      const transaction = await this.sequelize.transaction();
      try {
        const outcome: ClaimOutcome = {};
        if (subjects.userId !== undefined)
          outcome.user = await this.claimOne('user', subjects.userId, tenant, transaction);
        if (subjects.projectId !== undefined)
          outcome.project = await this.claimOne('project', subjects.projectId, tenant, transaction);
        if (outcome.user === 'taken' || outcome.project === 'taken') await transaction.rollback();
        else await transaction.commit();
        return outcome;
      } catch (err) {
        await transaction.rollback();
        throw err;
      }
    });
  }

  private async claimOne(
    subject: Subject,
    id: string,
    tenant: string,
    transaction: Transaction,
  ): Promise<ClaimResult> {
    const { table, column } = CLAIMS[subject];
    // A no-op update on a duplicate: the row that is there stays as it is, and is locked for the read below
    // (which reads it, not this transaction's snapshot). INSERT IGNORE would also hide errors other than the
    // duplicate, and the affected-row count cannot tell an insert from a no-op under CLIENT_FOUND_ROWS.
    await this.sequelize.query(
      `INSERT INTO ${table} (${column}, tenant) VALUES (?, ?) ON DUPLICATE KEY UPDATE ${column} = ${column}`,
      { replacements: [id, tenant], transaction },
    );
    const [row] = await this.sequelize.query<{ tenant: string }>(
      `SELECT tenant FROM ${table} WHERE ${column} = ? FOR UPDATE`,
      { replacements: [id], transaction, type: QueryTypes.SELECT },
    );
    return row?.tenant === tenant ? 'ours' : 'taken';
  }

  private async ownerOf(subject: Subject, id: string): Promise<string | null> {
    const { table, column } = CLAIMS[subject];
    const [row] = await this.sequelize.query<{ tenant: string }>(
      `SELECT tenant FROM ${table} WHERE ${column} = ?`,
      { replacements: [id], type: QueryTypes.SELECT },
    );
    return row?.tenant ?? null;
  }
}
