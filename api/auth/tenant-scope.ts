import type { Context } from 'koa';
import { z } from 'zod';
import type { TenantScope } from '../../services/tenants/tenant-ownership';
import { Problem } from '../problem';
import { principalOf } from './authentication';

/** The `tenant` filter of the routes that read users and tasks: an admin key's way to look at one tenant. */
export const tenantFilter = z.string().min(1).max(50).optional().meta({
  description:
    'Admin keys: only this tenant (an API key owner). Caller keys always see their own tenant; naming another is a 403',
});

/**
 * Whose users and tasks a request may see: a caller key its own tenant (the key's owner), an admin key every
 * tenant, or the one it names in `tenant`.
 */
export function tenantScopeOf(ctx: Context, requested: string | undefined): TenantScope {
  const principal = principalOf(ctx);
  if (principal.scope === 'admin') return requested === undefined ? 'every tenant' : { tenant: requested };
  if (requested !== undefined && requested !== principal.owner)
    throw new Problem(403, 'Forbidden', 'a caller key sees only its own tenant', [
      { field: 'query.tenant', reason: 'not the tenant of this API key' },
    ]);
  return { tenant: principal.owner };
}
