import type { IdSource } from '../../db/ids/snowflake';
import { NodeIdUnavailableError } from '../../services/ids/node-id-leases';
import { Problem } from '../problem';

/**
 * The task and account ids the routes mint: a 503 problem when they cannot be minted now (no node id leased
 * yet, or its lease could not be renewed) rather than an id that might be another process's. Without a source
 * (an app built for routes that mint nothing) every mint is that 503.
 */
export function apiIds(source: IdSource | undefined): IdSource {
  return {
    next() {
      if (!source) throw unavailable('this API process was given no snowflake node id');
      try {
        return source.next();
      } catch (err) {
        if (err instanceof NodeIdUnavailableError) throw unavailable(err.message);
        throw err;
      }
    },
  };
}

function unavailable(detail: string): Problem {
  return new Problem(
    503,
    'Service Unavailable',
    `${detail}; nothing was started, retry (another API process may answer)`,
    [],
    'https://jimeng-flow.dev/problems/ids-unavailable',
  );
}
