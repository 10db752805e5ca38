import { call, expectEnvelope, start, stopAll } from './harness';

/* The proxy's route table and its catch-all (src/api/routes/*.ts, src/lib/server.ts). */

afterEach(stopAll);

const unknown = (method: string, url: string): string =>
  `[请求有误]: 请检查API文档确认正确的请求路径，当前请求为 ${method} -> ${url} 请纠正`;

describe('routes', () => {
  it('serves the service info, pong and the static model list', async () => {
    const sim = await start();
    const info = await call(sim, 'GET', '/');
    expect(info.status).toBe(200);
    expect(info.json).toMatchObject({
      service: 'jimeng-api',
      status: 'running',
      version: '1.6.3',
      endpoints: {
        images: '/v1/images/generations',
        compositions: '/v1/images/compositions',
        videos: '/v1/videos/generations',
        models: '/v1/models',
        health: '/ping',
      },
    });
    const ping = await call(sim, 'GET', '/ping');
    expect([ping.status, ping.text]).toEqual([200, 'pong']);
    const models = (await call(sim, 'GET', '/v1/models')).json as {
      data: { id: string; owned_by: string }[];
    };
    expect(models.data.map((m) => m.id)).toEqual([
      'jimeng',
      'jimeng-video-3.0',
      'jimeng-video-3.0-pro',
      'jimeng-video-2.0',
      'jimeng-video-2.0-pro',
    ]);
    expect(models.data.every((m) => m.owned_by === 'jimeng-api')).toBe(true);
  });

  it('answers an unknown route with HTTP 200, -1000 and the catch-all text naming method and URL with its query', async () => {
    const sim = await start();
    expectEnvelope(await call(sim, 'POST', '/v1/nothing?x=1'), -1000, unknown('POST', '/v1/nothing?x=1'));
    // Wrong method on a known path is the catch-all's too.
    expectEnvelope(
      await call(sim, 'GET', '/v1/images/generations'),
      -1000,
      unknown('GET', '/v1/images/generations'),
    );
    expectEnvelope(await call(sim, 'POST', '/ping'), -1000, unknown('POST', '/ping'));
  });

  it('has no /v1/async routes in default mode (they are a fork extension)', async () => {
    const sim = await start();
    expectEnvelope(
      await call(sim, 'POST', '/v1/async/videos/generations', { token: 's', body: { prompt: 'x' } }),
      -1000,
      unknown('POST', '/v1/async/videos/generations'),
    );
    expectEnvelope(
      await call(sim, 'GET', '/v1/async/tasks/123', { token: 's' }),
      -1000,
      unknown('GET', '/v1/async/tasks/123'),
    );
  });

  it('matches routes as koa-router does: any case, an optional trailing slash', async () => {
    const sim = await start();
    expect((await call(sim, 'GET', '/PING')).text).toBe('pong');
    expect((await call(sim, 'GET', '/ping/')).text).toBe('pong');
    expect((await call(sim, 'POST', '/Token/Check/', { body: { token: 's' } })).json).toEqual({ live: true });
  });
});

describe('request bodies', () => {
  it('repairs JSON as the proxy does: trailing commas, single quotes, bare keys', async () => {
    const sim = await start();
    for (const rawBody of ['{"token": "s",}', "{'token': 's'}", '{token: "s"}', '\uFEFF {"token":"s"}\r\n']) {
      expect((await call(sim, 'POST', '/token/check', { rawBody })).json).toEqual({ live: true });
    }
  });

  it('answers a body that does not parse with -1000 "无效的JSON格式: <JSON.parse message>", before routing', async () => {
    const sim = await start();
    let parseMessage = '';
    try {
      JSON.parse('{"token": ');
    } catch (e) {
      parseMessage = (e as Error).message;
    }
    expectEnvelope(
      await call(sim, 'POST', '/token/check', { rawBody: '{"token": ' }),
      -1000,
      `无效的JSON格式: ${parseMessage}`,
    );
    // An empty JSON body does not parse either.
    expect((await call(sim, 'POST', '/token/points', { rawBody: '', token: 's' })).json).toMatchObject({
      code: -1000,
      message: expect.stringMatching(/^无效的JSON格式: /),
    });
    // The reader runs before the router: a bad body on an unknown path is still a JSON error.
    expect((await call(sim, 'POST', '/nowhere', { rawBody: '{' })).json).toMatchObject({
      code: -1000,
      message: expect.stringMatching(/^无效的JSON格式: /),
    });
  });

  it('reads url-encoded forms as string fields and other content types as an empty body', async () => {
    const sim = await start();
    const form = await call(sim, 'POST', '/token/check', {
      rawBody: 'token=s',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(form.json).toEqual({ live: true });
    expectEnvelope(
      await call(sim, 'POST', '/token/check', { rawBody: 'token=s', contentType: 'text/plain' }),
      -2000,
      'Params body.token invalid',
    );
  });
});
