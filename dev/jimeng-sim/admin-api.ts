import type http from 'node:http';
import { AdminInputError, objectBody, rejectUnknownKeys } from './admin-input';
import type { CountersSnapshot } from './counters';
import { parseFaultSpec, type FaultSnapshot, type FaultSpec } from './faults';
import { readRaw, sendJson } from './http-messages';
import { parseSessionInput, type SessionInput, type SessionSnapshot } from './sessions';
import type { SimulatorState } from './simulator-state';

/*
 * The simulator's own admin API, not part of the proxy: the operations tests call on `sim.admin`, and the same
 * over HTTP under /__admin/ for a simulator running as a process.
 */

export interface SimulatorAdmin {
  /** Creates or updates a session; throws AdminInputError on a bad input. */
  registerSession(input: SessionInput): SessionSnapshot;
  session(sessionId: string): SessionSnapshot | undefined;
  sessions(): SessionSnapshot[];
  /** Adds a fault; throws AdminInputError on a bad spec (http_429 without forkExtensions included). */
  injectFault(spec: FaultSpec): FaultSnapshot;
  faults(): FaultSnapshot[];
  clearFaults(): number;
  counters(): CountersSnapshot;
  resetCounters(): void;
  /**
   * An operator took the account out of the client's pool: from now on every generation call to it counts as a
   * call after refusal (`withdrawn`), though the simulator still serves it.
   */
  withdraw(sessionId: string): void;
  /** Back to the state right after start: no sessions, faults, tasks, files or counts; the PRNG reseeded. */
  reset(): void;
}

export function simulatorAdmin(state: SimulatorState): SimulatorAdmin {
  return {
    registerSession: (input) => {
      const parsed = parseSessionInput(input);
      state.refusals.forget(parsed.sessionId);
      return state.sessions.upsert(parsed);
    },
    session: (id) => state.sessions.get(id),
    sessions: () => state.sessions.list(),
    injectFault: (spec) => state.faults.add(parseFaultSpec(spec, { forkExtensions: state.settings.fork })),
    faults: () => state.faults.list(),
    clearFaults: () => state.faults.clear(),
    counters: () => state.counters.snapshot(),
    resetCounters: () => state.counters.reset(),
    withdraw: (sessionId) => state.refusals.refused(sessionId, 'image', 'withdrawn', null, state.now()),
    reset: () => state.reset(),
  };
}

/** The admin operations over HTTP: 400 `{ error, field }` for a bad body, 404 for an unknown route. */
export async function handleAdmin(
  admin: SimulatorAdmin,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): Promise<void> {
  const method = req.method ?? 'GET';
  const path = url.pathname.replace(/\/+$/, '');
  const raw = await readRaw(req);
  const body = (): unknown => {
    if (raw === undefined) throw new AdminInputError('body too large', null);
    if (raw.trim() === '') return {};
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw new AdminInputError('body is not valid JSON', null);
    }
  };
  try {
    if (path === '/__admin/sessions' && method === 'POST')
      return sendJson(res, 201, admin.registerSession(body() as SessionInput));
    if (path === '/__admin/sessions' && method === 'GET') return sendJson(res, 200, admin.sessions());
    if (path.startsWith('/__admin/sessions/') && method === 'GET') {
      const id = decodeURIComponent(path.slice('/__admin/sessions/'.length));
      const s = admin.session(id);
      return s === undefined
        ? sendJson(res, 404, { error: 'unknown session', field: 'sessionId' })
        : sendJson(res, 200, s);
    }
    if (path === '/__admin/faults' && method === 'POST')
      return sendJson(res, 201, admin.injectFault(body() as FaultSpec));
    if (path === '/__admin/faults' && method === 'GET') return sendJson(res, 200, admin.faults());
    if (path === '/__admin/faults' && method === 'DELETE')
      return sendJson(res, 200, { cleared: admin.clearFaults() });
    if (path === '/__admin/counters' && method === 'GET') return sendJson(res, 200, admin.counters());
    if (path === '/__admin/counters/reset' && method === 'POST') {
      admin.resetCounters();
      return sendJson(res, 200, { reset: 'counters' });
    }
    if (path === '/__admin/reset' && method === 'POST') {
      rejectUnknownKeys(objectBody(body()), []);
      admin.reset();
      return sendJson(res, 200, { reset: 'all' });
    }
    return sendJson(res, 404, { error: `no admin route ${method} ${path}`, field: null });
  } catch (error) {
    if (error instanceof AdminInputError) return sendJson(res, 400, error.toJSON());
    throw error;
  }
}
