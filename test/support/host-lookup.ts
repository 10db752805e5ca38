import type { HostLookup } from '../../services/outbound/outbound-address-policy';

/**
 * A resolver that answers from a table and records what it was asked, so no test depends on real DNS. A name
 * not in the table fails as getaddrinfo does (ENOTFOUND).
 */
export function tableLookup(table: Record<string, string[]>): HostLookup & { readonly asked: string[] } {
  const asked: string[] = [];
  const lookup = async (host: string): Promise<string[]> => {
    asked.push(host);
    const found = table[host];
    if (found === undefined) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    }
    return found;
  };
  return Object.assign(lookup, { asked });
}
