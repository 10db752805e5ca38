import type { IncomingMessage, ServerResponse } from 'node:http';
import { FAULT_KINDS, type FaultQueue, type FaultSpec } from './faults';

export const ADMIN_PREFIX = '/__admin/';

/**
 * Test control over HTTP, for processes that did not start the server themselves (the worker, shell
 * scripts): `POST /__admin/faults` with a FaultSpec or an array of them, `GET` to list pending faults,
 * `DELETE` to clear them; `GET /__admin/stats`. Unauthenticated on purpose — the server is a loopback dev
 * tool — and the `__admin/` key prefix is therefore reserved.
 */
export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  faults: FaultQueue,
  stats: () => unknown,
): Promise<void> {
  const path = (req.url ?? '').split('?')[0];
  const send = (status: number, body: unknown): void => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  if (path === `${ADMIN_PREFIX}stats` && req.method === 'GET') return send(200, stats());
  if (path !== `${ADMIN_PREFIX}faults`) return send(404, { error: 'unknown admin endpoint' });

  if (req.method === 'GET') return send(200, faults.pending());
  if (req.method === 'DELETE') {
    faults.clear();
    return send(200, faults.pending());
  }
  if (req.method !== 'POST') return send(405, { error: 'use GET, POST or DELETE' });

  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let specs: FaultSpec[];
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    specs = (Array.isArray(parsed) ? parsed : [parsed]).map(toFaultSpec);
    for (const spec of specs) faults.add(spec);
  } catch (error) {
    return send(400, { error: (error as Error).message, kinds: FAULT_KINDS });
  }
  return send(200, faults.pending());
}

function toFaultSpec(value: unknown): FaultSpec {
  if (typeof value !== 'object' || value === null)
    throw new Error('a fault is an object like {"kind":"error500","count":2}');
  const v = value as Record<string, unknown>;
  const optionalNumber = (name: string): number | undefined => {
    if (v[name] === undefined) return undefined;
    if (typeof v[name] !== 'number') throw new Error(`${name} must be a number`);
    return v[name];
  };
  const optionalString = (name: string): string | undefined => {
    if (v[name] === undefined) return undefined;
    if (typeof v[name] !== 'string') throw new Error(`${name} must be a string`);
    return v[name];
  };
  const kind = optionalString('kind');
  if (kind === undefined || !(FAULT_KINDS as readonly string[]).includes(kind))
    throw new Error(`kind must be one of ${FAULT_KINDS.join(', ')}`);
  const spec: { -readonly [K in keyof FaultSpec]: FaultSpec[K] } = { kind: kind as FaultSpec['kind'] };
  const count = optionalNumber('count');
  const delayMs = optionalNumber('delayMs');
  const method = optionalString('method');
  const keyPrefix = optionalString('keyPrefix');
  if (count !== undefined) spec.count = count;
  if (delayMs !== undefined) spec.delayMs = delayMs;
  if (method !== undefined) spec.method = method;
  if (keyPrefix !== undefined) spec.keyPrefix = keyPrefix;
  return spec;
}
