import { ENDPOINTS, GENERATION_ENDPOINTS, type Endpoint } from './endpoints';
import type { Prng } from './prng';
import { parseToken, tokenSplit, type Family } from './protocol';

/** One call's token, picked as the proxy picks it (`_.sample`, images.ts:34-35, videos.ts:140-142). */
export interface Caller {
  readonly token: string;
  readonly sessionId: string;
  readonly family: Family;
}

/** Routes that take the Authorization header. */
const HEADER_ENDPOINTS: readonly Endpoint[] = [
  ...GENERATION_ENDPOINTS,
  ENDPOINTS.taskStatus,
  ENDPOINTS.tokenPoints,
  ENDPOINTS.tokenReceive,
];

/**
 * The token the proxy would pick for this call: the body's on /token/check, the first of the header's on the
 * token routes (which read them all), a seeded pick among the header's on the others.
 */
export function callerOf(
  endpoint: Endpoint,
  body: Record<string, unknown>,
  authorization: unknown,
  prng: Prng,
): Caller | undefined {
  if (endpoint === ENDPOINTS.tokenCheck) {
    if (typeof body.token === 'string') return { token: body.token, ...parseToken(body.token) };
  } else if (HEADER_ENDPOINTS.includes(endpoint) && typeof authorization === 'string') {
    const tokens = tokenSplit(authorization);
    const pick =
      endpoint === ENDPOINTS.tokenPoints || endpoint === ENDPOINTS.tokenReceive || tokens.length === 1
        ? tokens[0]!
        : tokens[prng.int(tokens.length)]!;
    return { token: pick, ...parseToken(pick) };
  }
  return undefined;
}
