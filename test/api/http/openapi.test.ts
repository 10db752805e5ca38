import { Connection } from '@temporalio/client';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import type { Sequelize } from 'sequelize';
import { apiRoutes, createApp } from '../../../api/app';
import { openApiPath } from '../../../api/http/route';
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
    const document = (await (await fetch(`${url}/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: { properties?: object } }> } }>
      >;
    };
    const routes = apiRoutes({ sequelize, temporal, logger: pino({ level: 'silent' }) });
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) {
      const operation = document.paths[openApiPath(route.path)]?.[route.method];
      expect({ route: `${route.method} ${route.path}`, documented: operation !== undefined }).toEqual({
        route: `${route.method} ${route.path}`,
        documented: true,
      });
      if (route.body)
        expect(
          resolve(document, operation!.requestBody!.content['application/json']!.schema).properties,
        ).toBeDefined();
    }
    const image = resolve(
      document,
      document.paths['/v1/images/generations']!.post!.requestBody!.content['application/json']!.schema,
    ) as {
      properties: Record<string, { enum?: string[] }>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(image.properties.ratio!.enum).toContain('16:9');
    expect(image.required).toEqual(
      expect.arrayContaining(['user_id', 'project_id', 'storyboard_id', 'prompt']),
    );
    expect(image.additionalProperties).toBe(false);
  });

  it("documents on every route what its scope's guards answer: 401 and 429 for callers, 403 too for admins", async () => {
    const document = (await (await fetch(`${url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const routes = apiRoutes({ sequelize, temporal, logger: pino({ level: 'silent' }) });
    const missing = routes.flatMap((route) => {
      const expected = { public: [], caller: ['401', '429'], admin: ['401', '403', '429'] }[route.scope];
      const documented = Object.keys(document.paths[openApiPath(route.path)]![route.method]!.responses);
      return expected
        .filter((s) => !documented.includes(s))
        .map((s) => `${route.method} ${route.path}: ${s}`);
    });
    expect(missing).toEqual([]);
    expect(routes.some((r) => r.scope === 'admin')).toBe(true);
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

/** A schema, or the component its $ref names. */
function resolve(document: unknown, schema: { $ref?: string; properties?: object }): { properties?: object } {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  return (document as { components: { schemas: Record<string, { properties?: object }> } }).components
    .schemas[name]!;
}
