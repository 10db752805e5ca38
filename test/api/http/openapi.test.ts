import { Connection } from '@temporalio/client';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import type { Sequelize } from 'sequelize';
import { apiRoutes, createApp } from '../../../api/app';
import { openApiPath, type AnyRoute } from '../../../api/http/route';
import { loadConfig } from '../../../config/settings';
import { connectTestDatabase } from '../../support/database';
import { listen, type RunningServer } from '../../support/koa-test-server';

describe('the OpenAPI document', () => {
  const config = loadConfig();
  let sequelize: Sequelize;
  let temporal: Connection;
  let server: RunningServer;
  let url: string;

  beforeAll(async () => {
    sequelize = connectTestDatabase();
    temporal = Connection.lazy({ address: config.temporalAddress });
    server = await listen(createApp({ sequelize, temporal, logger: pino({ level: 'silent' }) }));
    url = server.url;
  });
  afterAll(async () => {
    await server.close();
    await temporal.close();
    await sequelize.close();
  });

  it('is served at /openapi.json without a key and validates as OpenAPI 3.1', async () => {
    const res = await fetch(`${url}/openapi.json`);
    expect(res.status).toBe(200);
    const document = (await res.json()) as { openapi: string };
    expect(document.openapi).toBe('3.1.0');
    const result = await validateOpenApi(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('is rendered as an HTML reference at /docs, one section per operation', async () => {
    const res = await fetch(`${url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    for (const route of apiRoutes({ sequelize, temporal, logger: pino({ level: 'silent' }) }))
      expect(html).toContain(`id="${route.operationId}"`);
    expect(html).toContain('<code>callback_url</code>');
  });

  it('lists every mounted route, with the schemas that validate its requests', async () => {
    const document = (await (await fetch(`${url}/openapi.json`)).json()) as Document;
    const routes = apiRoutes({ sequelize, temporal, logger: pino({ level: 'silent' }) });
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) {
      const operation = document.paths[openApiPath(route.path)]?.[route.method];
      expect({ route: `${route.method} ${route.path}`, documented: operation !== undefined }).toEqual({
        route: `${route.method} ${route.path}`,
        documented: true,
      });
      if (route.body) {
        const body = resolve(document, operation!.requestBody!.content['application/json']!.schema);
        expect(body.properties ?? body.oneOf).toBeDefined();
      }
    }
    for (const path of ['/healthz', '/readyz', '/metrics'])
      expect(document.paths[path]?.get).toMatchObject({ security: [] });
    // One shape per image model: each closed, each with the platform's required fields.
    const image = resolve(
      document,
      document.paths['/v1/images/generations']!.post!.requestBody!.content['application/json']!.schema,
    );
    expect(image.oneOf!.length).toBe(9);
    for (const shape of image.oneOf!.map((s) => resolve(document, s))) {
      expect(shape.properties!.ratio!.enum).toContain('16:9');
      expect(shape.required).toEqual(
        expect.arrayContaining(['user_id', 'project_id', 'storyboard_id', 'prompt']),
      );
      expect(shape.additionalProperties).toBe(false);
    }
  });

  /** What each guard in front of the routes answers (api/app.ts), as a caller meets it: the spec of this test. */
  const GUARDED: Array<{ applies: (r: RouteLike) => boolean; statuses: string[]; why: string }> = [
    { applies: (r) => r.scope !== 'public', statuses: ['401', '429'], why: 'address limit, key, key limit' },
    { applies: (r) => r.scope === 'admin', statuses: ['403'], why: 'admin scope' },
    {
      applies: (r) => ['post', 'patch'].includes(r.method),
      statuses: ['400', '413', '415'],
      why: 'JSON body',
    },
    {
      applies: (r) => r.scope !== 'public' && r.method === 'post' && r.replayable !== false,
      statuses: ['400', '409', '422'],
      why: 'Idempotency-Key',
    },
    { applies: (r) => Boolean(r.params ?? r.query ?? r.body), statuses: ['422'], why: 'validation' },
  ];

  it('documents on every route what the guards in front of it and its validation can answer', async () => {
    const document = (await (await fetch(`${url}/openapi.json`)).json()) as Document;
    const routes = apiRoutes({ sequelize, temporal, logger: pino({ level: 'silent' }) });
    const missing = routes.flatMap((route) => {
      const documented = Object.keys(document.paths[openApiPath(route.path)]![route.method]!.responses);
      return GUARDED.filter((g) => g.applies(route)).flatMap((g) =>
        g.statuses
          .filter((s) => !documented.includes(s))
          .map((s) => `${route.method} ${route.path}: ${s} (${g.why})`),
      );
    });
    expect(missing).toEqual([]);
    expect(routes.some((r) => r.scope === 'admin')).toBe(true);
  });

  it('documents the 422 of the task routes, whose path id is validated', async () => {
    const document = (await (await fetch(`${url}/openapi.json`)).json()) as Document;
    expect(document.paths['/v1/tasks/{id}']!.get!.responses['422']).toBeDefined();
    expect(document.paths['/v1/tasks/{id}/cancel']!.post!.responses['422']).toBeDefined();
    // Operations routes stand behind no guard: no 401, no 429.
    expect(Object.keys(document.paths['/readyz']!.get!.responses)).toEqual(['200', '503']);
  });

  it('offers Idempotency-Key on every keyed POST, with the pattern the API checks', async () => {
    const document = (await (await fetch(`${url}/openapi.json`)).json()) as Document;
    const routes = apiRoutes({ sequelize, temporal, logger: pino({ level: 'silent' }) });
    for (const route of routes.filter((r) => r.method === 'post' && r.replayable !== false)) {
      const header = document.paths[openApiPath(route.path)]![route.method]!.parameters!.find(
        (p) => p.in === 'header' && p.name === 'Idempotency-Key',
      );
      expect({ route: route.path, pattern: header?.schema.pattern }).toEqual({
        route: route.path,
        pattern: expect.any(String),
      });
      const pattern = new RegExp(header!.schema.pattern!);
      expect(['order-17', 'a', `${'k'.repeat(255)}`].every((k) => pattern.test(k))).toBe(true);
      expect(['', ' padded', 'padded ', 'ü', 'k'.repeat(256)].some((k) => pattern.test(k))).toBe(false);
    }
  });
});

/**
 * @seriousme/openapi-schema-validator (OpenAPI 3.1 meta-schema, ajv) is ESM-only, which jest's CommonJS runtime
 * cannot load: its own CLI checks the document in a child process.
 */
async function validateOpenApi(document: unknown): Promise<{ valid: boolean; errors?: unknown }> {
  const dir = await mkdtemp(join(tmpdir(), 'openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(document));
    const cli = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js');
    const { stdout } = await promisify(execFile)(process.execPath, [cli, file]).catch(
      (err: { stdout?: string }) => ({ stdout: err.stdout ?? '{"valid":false,"errors":"validator failed"}' }),
    );
    return JSON.parse(stdout) as { valid: boolean; errors?: unknown };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Schema {
  $ref?: string;
  properties?: Record<string, Schema & { enum?: string[] }>;
  oneOf?: Schema[];
  required?: string[];
  additionalProperties?: boolean;
  pattern?: string;
}

interface Document {
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: { content: Record<string, { schema: Schema }> };
        responses: Record<string, unknown>;
        parameters?: Array<{ name: string; in: string; schema: Schema }>;
        security?: unknown[];
      }
    >
  >;
  components: { schemas: Record<string, Schema> };
}

type RouteLike = Pick<AnyRoute, 'scope' | 'method' | 'params' | 'query' | 'body' | 'replayable'>;

/** A schema, or the component its $ref names. */
function resolve(document: Document, schema: Schema): Schema {
  if (!schema.$ref) return schema;
  return document.components.schemas[schema.$ref.replace('#/components/schemas/', '')]!;
}
