import type { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

/**
 * Adds the project's custom search attributes that the namespace lacks; returns the names it added.
 * Idempotent: a second call adds nothing. An attribute that exists with another type is an error
 * (Temporal cannot change a type in place, and silently using it would break Web UI queries).
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const custom = existing.customAttributes ?? {};
  const missing: Record<string, number> = {};
  for (const key of Object.values(SEARCH_ATTRIBUTES)) {
    const wanted = encodeSearchAttributeIndexedValueType(key.type)!;
    const have = custom[key.name];
    if (have === undefined) missing[key.name] = wanted;
    else if (have !== wanted)
      throw new Error(
        `search attribute ${key.name} exists with another type (${have}), expected ${key.type}`,
      );
  }
  if (Object.keys(missing).length > 0) {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  }
  return Object.keys(missing);
}
