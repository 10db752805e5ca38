import { Connection } from '@temporalio/client';
import { request } from 'node:http';
import pino from 'pino';
import type { Sequelize } from 'sequelize';
import { createApp } from '../../../api/app';
import { loadConfig } from '../../../config/settings';
import { connectTestDatabase } from '../../support/database';
import { listen, type RunningServer } from '../../support/koa-test-server';

interface Answer {
  status: number;
  allow: string | undefined;
  contentType: string | undefined;
  body: string;
}

/** node:http, not fetch: fetch refuses to send TRACE. No key: a method a path lacks is answered before any. */
function send(url: string, method: string, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          allow: res.headers.allow,
          contentType: res.headers['content-type'],
          body,
        }),
      );
    });
    req.once('error', reject);
    req.end();
  });
}

describe('methods a path lacks', () => {
  const config = loadConfig();
  let sequelize: Sequelize;
  let temporal: Connection;
  let server: RunningServer;

  beforeAll(async () => {
    sequelize = connectTestDatabase();
    temporal = Connection.lazy({ address: config.temporalAddress });
    server = await listen(createApp({ sequelize, temporal, logger: pino({ level: 'silent' }) }));
  });
  afterAll(async () => {
    await server.close();
    await temporal.close();
    await sequelize.close();
  });

  it.each([
    ['TRACE', '/v1/tasks', 'HEAD, GET, OPTIONS'],
    ['PUT', '/v1/tasks/123', 'HEAD, GET, OPTIONS'],
    ['DELETE', '/v1/tasks/123/cancel', 'POST, OPTIONS'],
    ['PATCH', '/v1/images/generations', 'POST, OPTIONS'],
    ['PROPFIND', '/v1/accounts/42', 'HEAD, GET, PATCH, DELETE, OPTIONS'],
    ['POST', '/healthz', 'HEAD, GET, OPTIONS'],
    ['DELETE', '/openapi.json', 'HEAD, GET, OPTIONS'],
  ])('answers %s %s with 405 problem+json and Allow: %s', async (method, path, allow) => {
    const answer = await send(server.url, method, path);
    expect(answer.status).toBe(405);
    expect(answer.allow).toBe(allow);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(answer.body)).toMatchObject({
      status: 405,
      title: 'Method Not Allowed',
      instance: path,
    });
  });

  it('answers OPTIONS with 204 and the same Allow, for any path the API has', async () => {
    for (const [path, allow] of [
      ['/v1/tasks', 'HEAD, GET, OPTIONS'],
      ['/v1/tasks/123/cancel', 'POST, OPTIONS'],
      ['/v1/accounts/42', 'HEAD, GET, PATCH, DELETE, OPTIONS'],
      ['/readyz', 'HEAD, GET, OPTIONS'],
    ]) {
      const answer = await send(server.url, 'OPTIONS', path!);
      expect({ path, status: answer.status, allow: answer.allow, body: answer.body }).toEqual({
        path,
        status: 204,
        allow,
        body: '',
      });
    }
  });

  it('treats a literal path as its own resource where a parameter path matches it too', async () => {
    // /v1/accounts/import is not the account "import": it has POST only.
    expect((await send(server.url, 'OPTIONS', '/v1/accounts/import')).allow).toBe('POST, OPTIONS');
    const get = await send(server.url, 'GET', '/v1/accounts/import');
    expect({ status: get.status, allow: get.allow }).toEqual({ status: 405, allow: 'POST, OPTIONS' });
  });

  it('answers a path the API does not have with 404, whatever the method', async () => {
    for (const method of ['GET', 'TRACE', 'OPTIONS', 'DELETE']) {
      const answer = await send(server.url, method, '/v1/nothing-here');
      expect({ method, status: answer.status, allow: answer.allow }).toEqual({
        method,
        status: 404,
        allow: undefined,
      });
    }
  });
});
