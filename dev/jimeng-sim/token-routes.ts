import type http from 'node:http';
import { ENDPOINTS, type Endpoint } from './endpoints';
import { sendFailure, sendJson } from './http-messages';
import { parseToken, tokenSplit } from './protocol';
import { DEAD_SESSION_CREDIT_READ, paramsInvalid, upstreamRet, type ProxyFailure } from './proxy-text';
import { DEFAULT_CLAIM_REFUSAL, type Credits } from './sessions';
import type { SimulatorState } from './simulator-state';
import { failedCreditRead, upstreamFault } from './upstream-faults';

/* The token routes (src/api/routes/token.ts): /token/check, /token/points, /token/receive. */

/** getCredit for one token, with the faults its upstream call may meet. */
async function readCredits(
  state: SimulatorState,
  endpoint: Endpoint,
  raw: string,
): Promise<{ ok: true; credits: Credits; sessionId: string } | { ok: false; answer: ProxyFailure }> {
  const { sessions } = state;
  const { sessionId, family } = parseToken(raw);
  if (!state.alive(sessionId)) return { ok: false, answer: DEAD_SESSION_CREDIT_READ };
  const fault = upstreamFault(state, endpoint, { token: raw, sessionId, family }, 0);
  if (fault?.kind === 'session_invalid' || fault?.kind === 'banned') {
    state.kill(sessionId, fault.kind === 'banned' ? 'banned' : 'invalid');
    return { ok: false, answer: DEAD_SESSION_CREDIT_READ };
  }
  if (fault?.kind === 'quota_exhausted') sessions.exhaust(sessionId);
  if (fault?.kind === 'credits_claim_failed')
    sessions.exhaust(sessionId, {
      ret: fault.ret ?? DEFAULT_CLAIM_REFUSAL.ret,
      errmsg: fault.errmsg ?? DEFAULT_CLAIM_REFUSAL.errmsg,
    });
  if (fault !== undefined) {
    const failed = await failedCreditRead(state, fault, family);
    if (failed !== undefined) return { ok: false, answer: failed };
  }
  return { ok: true, credits: sessions.credits(sessionId), sessionId };
}

export async function tokenRoute(
  state: SimulatorState,
  res: http.ServerResponse,
  endpoint: Endpoint,
  body: Record<string, unknown>,
  authorization: unknown,
): Promise<void> {
  const { sessions } = state;
  if (endpoint === ENDPOINTS.tokenCheck) {
    // token.ts:13-19: one token from the body (no comma split), every upstream error is live:false.
    if (typeof body.token !== 'string') return sendFailure(res, paramsInvalid('body.token'));
    const { sessionId, family } = parseToken(body.token);
    if (!state.alive(sessionId)) return sendJson(res, 200, { live: false });
    const fault = upstreamFault(state, endpoint, { token: body.token, sessionId, family }, 0);
    if (fault?.kind === 'session_invalid' || fault?.kind === 'banned')
      state.kill(sessionId, fault.kind === 'banned' ? 'banned' : 'invalid');
    if (fault !== undefined) {
      if (fault.kind === 'upstream_transport' || fault.kind === 'http_5xx')
        await failedCreditRead(state, fault, family);
      return sendJson(res, 200, { live: false });
    }
    return sendJson(res, 200, { live: true });
  }
  if (typeof authorization !== 'string') return sendFailure(res, paramsInvalid('headers.authorization'));
  const tokens = tokenSplit(authorization);
  // token.ts:22-34: all tokens in parallel; one failure fails the whole call.
  const reads = [];
  for (const token of tokens) reads.push({ token, read: await readCredits(state, endpoint, token) });
  const failed = reads.find((r) => !r.read.ok);
  if (failed !== undefined && !failed.read.ok) return sendFailure(res, failed.read.answer);
  if (endpoint === ENDPOINTS.tokenPoints)
    return sendJson(
      res,
      200,
      reads.map((r) => ({ token: r.token, points: r.read.ok ? r.read.credits : undefined })),
    );
  // token.ts:36-69: claim for each token whose total is <= 0.
  return sendJson(
    res,
    200,
    reads.map(({ token, read }) => {
      if (!read.ok) return { token };
      if (read.credits.totalCredit > 0) return { token, credits: read.credits, received: false };
      const claim = sessions.claim(read.sessionId);
      if (claim.ok) return { token, credits: sessions.credits(read.sessionId), received: true };
      return {
        token,
        credits: read.credits,
        received: false,
        error: upstreamRet(claim.refusal.ret, claim.refusal.errmsg).message,
      };
    }),
  );
}
