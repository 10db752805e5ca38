import type http from 'node:http';
import { arrivalFault } from './arrival-faults';
import { callerOf } from './caller';
import { ENDPOINTS, GENERATION_ENDPOINTS, isVideoEndpoint, type Endpoint } from './endpoints';
import { generate } from './generation-route';
import { readRaw, sendFailure, sendJson } from './http-messages';
import { ProtocolError, readBody } from './protocol';
import { unknownRoute, type ProxyFailure } from './proxy-text';
import type { SimulatorState } from './simulator-state';
import { MODEL_LIST, SERVICE_INFO } from './static-answers';
import { taskStatus } from './task-status-route';
import { tokenRoute } from './token-routes';

/*
 * The proxy protocol's side of the server: every call is matched to a route, counted on arrival (and as a call
 * after refusal when its account had been refused), meets the link's faults, then its route.
 */

/**
 * Route matching as koa-router does it by default (src/lib/server.ts:26, 138-162): case-insensitive, a
 * trailing slash optional, GET routes answering HEAD too. Everything else is the catch-all's.
 */
function endpointOf(method: string, path: string, fork: boolean): Endpoint {
  const p = path.length > 1 ? path.replace(/\/$/, '').toLowerCase() : path;
  if (method === 'GET' || method === 'HEAD') {
    if (p === '/') return ENDPOINTS.info;
    if (p === '/ping') return ENDPOINTS.ping;
    if (p === '/v1/models') return ENDPOINTS.models;
    if (fork && p.startsWith('/v1/async/tasks/') && p.length > '/v1/async/tasks/'.length)
      return ENDPOINTS.taskStatus;
    if (path.startsWith('/files/')) return ENDPOINTS.files;
  }
  if (method === 'POST') {
    if (p === '/v1/images/generations') return ENDPOINTS.imageGenerations;
    if (p === '/v1/images/compositions') return ENDPOINTS.imageCompositions;
    if (p === '/v1/videos/generations') return ENDPOINTS.videoGenerations;
    if (fork && p === '/v1/async/videos/generations') return ENDPOINTS.videoSubmit;
    if (p === '/token/check') return ENDPOINTS.tokenCheck;
    if (p === '/token/points') return ENDPOINTS.tokenPoints;
    if (p === '/token/receive') return ENDPOINTS.tokenReceive;
  }
  return ENDPOINTS.unknown;
}

export async function handleProtocol(
  state: SimulatorState,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const endpoint = endpointOf(method, url.pathname, state.settings.fork);
  const raw = (await readRaw(req)) ?? '';
  const authorization = req.headers.authorization;

  // Who is calling, for counters and faults: the token the proxy would pick for this call.
  let bodyForAuth: Record<string, unknown> = {};
  let bodyError: ProxyFailure | undefined;
  try {
    bodyForAuth = readBody(method, req.headers['content-type'] ?? '', raw);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    bodyError = error.answer;
  }
  const caller = callerOf(endpoint, bodyForAuth, authorization, state.prng);
  const countedAs = caller === undefined || caller.sessionId === '' ? undefined : caller.sessionId;
  const atMs = state.now();
  state.counters.received(endpoint, countedAs, atMs);
  if (countedAs !== undefined && GENERATION_ENDPOINTS.includes(endpoint)) {
    const ignored = state.refusals.ignoredBy(countedAs, isVideoEndpoint(endpoint) ? 'video' : 'image', atMs);
    if (ignored !== undefined)
      state.counters.callAfterRefusal({ sessionId: countedAs, endpoint, atMs, ...ignored });
  }

  if (endpoint !== ENDPOINTS.files && (await arrivalFault(state, res, endpoint, caller))) return;
  // The JSON reader runs before routing (src/lib/server.ts:39-109), so a bad body wins over a bad path.
  if (bodyError !== undefined) return sendFailure(res, bodyError);
  const body = bodyForAuth;

  try {
    switch (endpoint) {
      case ENDPOINTS.info:
        return sendJson(res, 200, SERVICE_INFO);
      case ENDPOINTS.ping:
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('pong');
        return;
      case ENDPOINTS.models:
        return sendJson(res, 200, MODEL_LIST);
      case ENDPOINTS.files: {
        const file = state.files.get(decodeURIComponent(url.pathname.slice('/files/'.length)));
        if (file === undefined) {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('not found');
          return;
        }
        res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.bytes.length });
        res.end(file.bytes);
        return;
      }
      case ENDPOINTS.unknown:
        return sendFailure(res, unknownRoute(method, req.url ?? url.pathname));
      case ENDPOINTS.tokenCheck:
      case ENDPOINTS.tokenPoints:
      case ENDPOINTS.tokenReceive:
        return await tokenRoute(state, res, endpoint, body, authorization);
      case ENDPOINTS.taskStatus:
        return taskStatus(state, res, url, authorization, caller);
      default:
        return await generate(state, res, endpoint, body, authorization, caller);
    }
  } catch (error) {
    if (error instanceof ProtocolError) return sendFailure(res, error.answer);
    throw error;
  }
}
