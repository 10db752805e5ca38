import { isGrpcServiceError, type Connection } from '@temporalio/client';
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

/** gRPC's NOT_FOUND: what the frontend answers about a namespace it does not know (yet). */
const GRPC_NOT_FOUND = 5;

export interface NamespaceWait {
  timeoutMs: number;
  intervalMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * Runs `attempt` again while the namespace is not found, until `timeoutMs` has passed. A namespace created a
 * moment ago (the compose stack's namespace job) is in the database before every frontend's namespace cache
 * has it, and search attributes can only be added to a namespace the frontend knows.
 */
export async function retryWhileNamespaceUnknown<T>(
  attempt: () => Promise<T>,
  wait: NamespaceWait,
): Promise<T> {
  const now = wait.now ?? Date.now;
  const sleep = wait.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + wait.timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!isGrpcServiceError(err) || err.code !== GRPC_NOT_FOUND || now() >= deadline) throw err;
    }
    await sleep(wait.intervalMs);
  }
}
