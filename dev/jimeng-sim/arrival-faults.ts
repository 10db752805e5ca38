import type http from 'node:http';
import type { Caller } from './caller';
import { refuse } from './call-refusals';
import type { Endpoint } from './endpoints';
import { sendFailure, sendJson } from './http-messages';
import { FORK_TEXT, failure } from './proxy-text';
import type { SimulatorState } from './simulator-state';

/** Faults of the link between client and proxy, rolled on arrival. Returns true when one answered. */
export async function arrivalFault(
  state: SimulatorState,
  res: http.ServerResponse,
  endpoint: Endpoint,
  caller: Caller | undefined,
): Promise<boolean> {
  const decision = state.faults.decide(caller?.sessionId, endpoint, state.prng, 'arrival');
  await state.delay(decision.delayMs);
  const fault = decision.outcome;
  if (fault === undefined) return false;
  state.counters.faultFired(fault.kind);
  switch (fault.kind) {
    case 'http_429': {
      // Fork only (refused at injection otherwise).
      const ms = fault.retryAfterMs ?? 1000;
      if (caller !== undefined) refuse(state, res, caller, endpoint, 'rate_limited', state.now() + ms);
      sendJson(
        res,
        429,
        { code: -1, message: FORK_TEXT.tooMany, data: null },
        { 'retry-after': String(Math.ceil(ms / 1000)) },
      );
      return true;
    }
    case 'gateway_5xx': {
      // Not the proxy: a gateway (nginx, a load balancer) in front of it answering by itself.
      const status = fault.status ?? 502;
      res.writeHead(status, { 'content-type': 'text/html' });
      res.end(`<html><body><h1>${status}</h1>gateway error</body></html>`);
      return true;
    }
    case 'malformed_body':
      // Not the proxy's code: an answer cut off on the way (the proxy dying mid-write, a middlebox).
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"created": 1759058768, "data": [{"url": "http://');
      return true;
    case 'connection_reset':
      // An RST rather than a FIN: what a dropped connection looks like to the client.
      res.socket?.resetAndDestroy();
      return true;
    case 'error_code':
      sendFailure(res, failure(fault.code ?? -1, fault.message ?? 'injected error'));
      return true;
    default:
      return false;
  }
}
