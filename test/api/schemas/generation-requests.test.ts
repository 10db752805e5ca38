import { Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { Sequelize } from 'sequelize';
import { createApp } from '../../../api/app';
import { SnowflakeGenerator } from '../../../db/ids/snowflake';
import { issueApiKey } from '../../../api/auth/issue-api-key';
import { loadConfig } from '../../../config/settings';
import { migratedTestDatabase } from '../../support/database';
import { apiCaller, listen, type RunningServer } from '../../support/koa-test-server';

interface Shape {
  properties: Record<
    string,
    { const?: unknown; enum?: unknown[]; anyOf?: Array<{ contains?: { enum: number[] } }> }
  >;
  required?: string[];
}
interface ProblemBody {
  status: number;
  errors?: Array<{ field: string; reason: string }>;
}

/**
 * The generation requests' schemas carry the plan's rules: what /openapi.json says a model takes is what the
 * API takes. A request the API accepts on its face goes on to the balance: a user without points gets 402,
 * so 402 means "accepted", and 422 names the field the document also rules out.
 */
describe('generation request schemas', () => {
  const config = loadConfig();
  let sequelize: Sequelize;
  let temporal: Connection;
  let server: RunningServer;
  let key: string;
  let shapes: Record<'image' | 'composition' | 'video', Map<string, Shape>>;
  const userId = randomUUID();
  const call = apiCaller(
    () => server.url,
    () => key,
  );

  beforeAll(async () => {
    sequelize = await migratedTestDatabase();
    temporal = Connection.lazy({ address: config.temporalAddress });
    server = await listen(
      createApp({
        sequelize,
        temporal,
        logger: pino({ level: 'silent' }),
        ids: new SnowflakeGenerator({ nodeId: 914 }),
      }),
    );
    key = (await issueApiKey(sequelize, { owner: `schemas-${randomUUID().slice(0, 8)}`, scope: 'caller' }))
      .key;
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      components: { schemas: Record<string, { oneOf: Shape[] }> };
    };
    const byModel = (id: string, defaultModel: string) =>
      new Map(
        document.components.schemas[id]!.oneOf.map((shape) => [
          String(shape.properties.model!.const ?? defaultModel),
          shape,
        ]),
      );
    shapes = {
      image: byModel('ImageGenerationRequest', 'jimeng-4.5'),
      composition: byModel('ImageCompositionRequest', 'jimeng-4.5'),
      video: byModel('VideoGenerationRequest', 'jimeng-video-3.5-pro'),
    };
  });
  afterAll(async () => {
    await server.close();
    await temporal.close();
    await sequelize.close();
  });

  const fields = (extra: Record<string, unknown>) => ({
    user_id: userId,
    project_id: `schemas-${randomUUID().slice(0, 8)}`,
    project_name: 'Schemas',
    storyboard_id: 'sb-1',
    work_id: 'w1',
    prompt: 'a lighthouse at dawn',
    ...extra,
  });
  const post = async (path: string, extra: Record<string, unknown>) => {
    const res = await call(path, { method: 'POST', json: fields(extra) });
    return { status: res.status, body: (await res.json()) as ProblemBody };
  };
  const fieldsOf = (body: ProblemBody) => (body.errors ?? []).map((e) => e.field);

  /** An enum, or a const where the model makes one length only. */
  const documentedDurations = (model: string) => {
    const duration = shapes.video.get(model)!.properties.duration!;
    return ((duration.enum ?? [duration.const]) as number[]).slice().sort((a, b) => a - b);
  };
  const documentedSites = (shape: Shape): number[] =>
    shape.properties.sites!.anyOf?.find((s) => s.contains)?.contains!.enum ?? [0, 1, 2, 3, 4];

  it('offers each video model the durations the proxy makes', () => {
    // iptag/jimeng-api's durations per model (domain/jimeng/models.ts cites them), written out here.
    expect(documentedDurations('jimeng-video-veo3')).toEqual([8]);
    expect(documentedDurations('jimeng-video-sora2')).toEqual([4, 8, 12]);
    expect(documentedDurations('jimeng-video-3.5-pro')).toEqual([5, 10, 12]);
    expect(documentedDurations('jimeng-video-seedance-2.0')).toEqual([
      4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    ]);
    expect(documentedDurations('jimeng-video-3.0')).toEqual([5, 10]);
    expect(shapes.video.size).toBe(11);
  });

  it('accepts every duration the document offers a model and refuses every other, naming body.duration', async () => {
    const disagreements: string[] = [];
    for (const model of shapes.video.keys()) {
      const offered = documentedDurations(model);
      for (let duration = 1; duration <= 16; duration++) {
        const { status, body } = await post('/v1/videos/generations', { model, duration });
        const expected = offered.includes(duration) ? 402 : 422;
        if (status !== expected || (status === 422 && !fieldsOf(body).includes('body.duration')))
          disagreements.push(`${model} ${duration}s: ${status} ${JSON.stringify(body.errors ?? [])}`);
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('names the sites that serve each model, and refuses a request naming none of them', async () => {
    // Spot checks against the proxy's site lists: jimeng-3.1 is China only, nano models international only.
    expect(documentedSites(shapes.image.get('jimeng-3.1')!)).toEqual([0]);
    expect(documentedSites(shapes.image.get('nanobanana')!)).toEqual([1, 2, 3, 4]);
    expect(documentedSites(shapes.video.get('jimeng-video-veo3')!)).toEqual([2, 3, 4]);
    expect(documentedSites(shapes.image.get('jimeng-4.5')!)).toEqual([0, 1, 2, 3, 4]);
    const disagreements: string[] = [];
    for (const [path, byModel] of [
      ['/v1/images/generations', shapes.image],
      ['/v1/videos/generations', shapes.video],
    ] as const) {
      for (const [model, shape] of byModel) {
        for (const site of [0, 1, 2, 3, 4]) {
          const { status, body } = await post(path, { model, sites: [site] });
          const expected = documentedSites(shape).includes(site) ? 402 : 422;
          if (status !== expected || (status === 422 && !fieldsOf(body).includes('body.sites')))
            disagreements.push(`${model} site ${site}: ${status}`);
        }
        // No site named means every site serving the model.
        const { status } = await post(path, { model, sites: [] });
        if (status !== 402) disagreements.push(`${model} sites []: ${status}`);
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('takes intelligent_ratio: true only for the models that have it', async () => {
    const withIt = ['jimeng-4.0', 'jimeng-4.1', 'jimeng-4.5', 'jimeng-4.6', 'jimeng-5.0'];
    const answers: Record<string, number> = {};
    for (const model of shapes.image.keys())
      answers[model] = (await post('/v1/images/generations', { model, intelligent_ratio: true })).status;
    expect(answers).toEqual(
      Object.fromEntries([...shapes.image.keys()].map((m) => [m, withIt.includes(m) ? 402 : 422])),
    );
    const refused = await post('/v1/images/generations', { model: 'jimeng-3.0', intelligent_ratio: true });
    expect(refused.body.errors).toEqual([
      { field: 'body.intelligent_ratio', reason: 'jimeng-3.0 does not support intelligent ratio' },
    ]);
    expect(
      (await post('/v1/images/generations', { model: 'jimeng-3.0', intelligent_ratio: false })).status,
    ).toBe(402);
  });

  it("takes the default model's shape when no model is named, and refuses an unknown model by name", async () => {
    expect((await post('/v1/images/generations', {})).status).toBe(402);
    expect((await post('/v1/images/generations', { model: 'jimeng-4.5' })).status).toBe(402);
    // The default video model makes 5, 10 and 12 s videos only.
    expect((await post('/v1/videos/generations', { duration: 12 })).status).toBe(402);
    expect(fieldsOf((await post('/v1/videos/generations', { duration: 8 })).body)).toEqual(['body.duration']);
    const unknown = await post('/v1/images/generations', { model: 'jimeng-9' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([
      { field: 'body.model', reason: expect.stringMatching(/^must be one of jimeng-5\.0, /) },
    ]);
    expect(unknown.body.errors![0]!.reason).toContain('nanobananapro');
  });

  it('counts text in characters, as the document and the columns do, and refuses blank text', async () => {
    const emoji = '\u{1F308}';
    expect((await post('/v1/images/generations', { prompt: emoji.repeat(2000) })).status).toBe(402);
    const tooLong = await post('/v1/images/generations', { prompt: emoji.repeat(2001) });
    expect(tooLong.body.errors).toEqual([
      { field: 'body.prompt', reason: 'must be at most 2000 characters' },
    ]);
    expect((await post('/v1/images/generations', { project_name: emoji.repeat(50) })).status).toBe(402);
    for (const blank of ['   ', '\u3000\t', '\ufeff'])
      expect((await post('/v1/images/generations', { prompt: blank })).body.errors).toEqual([
        { field: 'body.prompt', reason: 'must not be blank' },
      ]);
  });

  it('refuses a reference image URL that is not http(s), as the document says', async () => {
    for (const images of [['ftp://example.com/a.png'], ['//example.com/a.png']]) {
      const { status, body } = await post('/v1/images/compositions', { images });
      expect({ images, status, fields: fieldsOf(body) }).toEqual({
        images,
        status: 422,
        fields: ['body.images.0'],
      });
    }
  });
});
