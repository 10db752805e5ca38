import { readBoxes, mvhdDurationSeconds, readPng } from '../../support/media-parsing';
import {
  call,
  composition,
  download,
  expectEnvelope,
  expectSuccess,
  image,
  itemsOf,
  start,
  stopAll,
  video,
} from './harness';

/* Request validation in the proxy's order, with its exact texts (src/api/routes/*.ts, controllers, builders). */

afterEach(stopAll);

const RATIOS = '1:1, 4:3, 3:4, 16:9, 9:16, 3:2, 2:3, 21:9';

async function mp4Seconds(url: string): Promise<number> {
  const moov = readBoxes(await download(url)).find((b) => b.type === 'moov')!;
  return mvhdDurationSeconds(readBoxes(moov.payload)[0]!.payload);
}

describe('image generation requests', () => {
  it('refuses size, width and height first, naming those present', async () => {
    const sim = await start();
    expectEnvelope(
      await image(sim, 's', { width: 512, size: '1x1', prompt: 5 }),
      -1000,
      '不支持的参数: size, width。请使用 ratio 和 resolution 参数控制图像尺寸。',
    );
  });

  it.each<[string, Record<string, unknown>]>([
    ['body.model', { model: 5 }],
    ['body.model', { model: null }],
    ['body.prompt', { prompt: undefined }],
    ['body.negative_prompt', { negative_prompt: 1 }],
    ['body.ratio', { ratio: 1 }],
    ['body.resolution', { resolution: 2 }],
    ['body.intelligent_ratio', { intelligent_ratio: 'true' }],
    ['body.sample_strength', { sample_strength: '0.5' }],
    ['body.response_format', { response_format: 1 }],
  ])('answers -2000 "Params %s invalid" for a field of the wrong type', async (key, body) => {
    const sim = await start();
    const a = await call(sim, 'POST', '/v1/images/generations', {
      token: 's',
      body: { prompt: 'a cat', ...body },
    });
    expectEnvelope(a, -2000, `Params ${key} invalid`);
  });

  it('checks the body before the Authorization header, and takes an empty prompt', async () => {
    const sim = await start();
    expectEnvelope(
      await call(sim, 'POST', '/v1/images/generations', { body: { prompt: 1 } }),
      -2000,
      'Params body.prompt invalid',
    );
    expectEnvelope(
      await call(sim, 'POST', '/v1/images/generations', { body: { prompt: 'x' } }),
      -2000,
      'Params headers.authorization invalid',
    );
    expectSuccess(await image(sim, 's', { prompt: '' }));
  });

  it('uses jimeng-4.5 on CN for any unknown model, nano models included', async () => {
    const sim = await start();
    for (const model of ['nanobanana', 'nanobananapro', 'jimeng-9.9', '']) {
      const a = await image(sim, 'sess-cn', { model });
      expectSuccess(a);
      expect(itemsOf(a)).toHaveLength(4);
    }
  });

  it("refuses a model an international site does not list, naming the site's models", async () => {
    const sim = await start();
    expectEnvelope(
      await image(sim, 'us-s', { model: 'jimeng-5.0' }),
      -1000,
      '国际版不支持模型 "jimeng-5.0"。支持的模型: jimeng-4.5, jimeng-4.1, jimeng-4.0, jimeng-3.0, nanobanana, nanobananapro',
    );
    expectEnvelope(
      await image(sim, 'sg-s', { model: 'jimeng-3.1' }),
      -1000,
      '国际版不支持模型 "jimeng-3.1"。支持的模型: jimeng-5.0, jimeng-4.6, jimeng-4.5, jimeng-4.1, jimeng-4.0, jimeng-3.0, nanobanana, nanobananapro',
    );
    expectSuccess(await image(sim, 'hk-s', { model: 'nanobanana' }));
  });

  it("refuses an unknown resolution, then an unknown ratio, with the builder's texts", async () => {
    const sim = await start();
    expectEnvelope(
      await image(sim, 's', { resolution: '8k', ratio: '5:4' }),
      -1000,
      '不支持的分辨率 "8k"。支持的分辨率: 1k, 2k, 4k',
    );
    expectEnvelope(
      await image(sim, 's', { ratio: '5:4' }),
      -1000,
      `在 "2k" 分辨率下，不支持的比例 "5:4"。支持的比例: ${RATIOS}`,
    );
    expectEnvelope(
      await image(sim, 'us-s', { model: 'nanobananapro', resolution: '4k', ratio: '5:4' }),
      -1000,
      `nanobananapro 模型在 4k 分辨率下，不支持的比例 "5:4"。支持的比例: ${RATIOS}`,
    );
  });

  it('forces nanobanana to 1024x1024 2k 1:1 on US (ratio and resolution unchecked) and to 1k on HK/JP/SG', async () => {
    const sim = await start();
    const us = await image(sim, 'us-s', { model: 'nanobanana', ratio: 'nonsense', resolution: 'nonsense' });
    expectSuccess(us);
    expect(readPng(await download(itemsOf(us)[0]!.url!)).width).toBe(16); // 1:1
    expectSuccess(await image(sim, 'jp-s', { model: 'nanobanana', resolution: 'nonsense', ratio: '16:9' }));
    expectEnvelope(
      await image(sim, 'jp-s', { model: 'nanobanana', ratio: '5:4' }),
      -1000,
      `在 "1k" 分辨率下，不支持的比例 "5:4"。支持的比例: ${RATIOS}`,
    );
  });

  it('returns 4 PNG images whose size follows the ratio, or base64 for b64_json', async () => {
    const sim = await start();
    const a = await image(sim, 's', { ratio: '16:9', resolution: '1k' });
    expectSuccess(a);
    expect(typeof (a.json as { created: number }).created).toBe('number');
    expect(itemsOf(a)).toHaveLength(4);
    const png = readPng(await download(itemsOf(a)[0]!.url!));
    expect([png.width, png.height]).toEqual([16, 9]);
    const b64 = await image(sim, 's', { response_format: 'b64_json' });
    expect(readPng(Buffer.from(itemsOf(b64)[0]!.b64_json!, 'base64')).width).toBe(16);
    // Any other response_format string behaves as url.
    expect(itemsOf(await image(sim, 's', { response_format: 'png' }))[0]!.url).toMatch(/^http/);
  });

  it('uses multi-image mode on jimeng-4.0/4.1/4.5 only: "<N>张" gives N, 连续/绘本/故事 give 4', async () => {
    const sim = await start({ imagesPerCall: 2 });
    expect(itemsOf(await image(sim, 's', { prompt: '画 3 张 猫' }))).toHaveLength(2); // \d+张: no space allowed
    expect(itemsOf(await image(sim, 's', { prompt: '画3张猫' }))).toHaveLength(3);
    expect(itemsOf(await image(sim, 's', { prompt: '一个故事' }))).toHaveLength(4);
    expect(itemsOf(await image(sim, 's', { prompt: '画3张猫', model: 'jimeng-5.0' }))).toHaveLength(2);
    expect(itemsOf(await image(sim, 's', { prompt: '画3张猫', model: 'jimeng-4.0' }))).toHaveLength(3);
  });
});

describe('composition requests', () => {
  it("checks images is an array (-2000) and then its items with the route's texts (-1000)", async () => {
    const sim = await start();
    expectEnvelope(
      await composition(sim, 's', { images: 'http://x/a.png' }),
      -2000,
      'Params body.images invalid',
    );
    expectEnvelope(await composition(sim, 's', { images: [] }), -1000, '至少需要提供1张输入图片');
    expectEnvelope(
      await composition(sim, 's', { images: Array.from({ length: 11 }, () => 'http://x/a.png') }),
      -1000,
      '最多支持10张输入图片',
    );
    expectEnvelope(
      await composition(sim, 's', { images: ['http://x/a.png', 5] }),
      -1000,
      '图片 2 格式不正确：应为URL字符串或包含url字段的对象',
    );
    expectEnvelope(await composition(sim, 's', { images: [{ uri: 'x' }] }), -1000, '图片 1 缺少url字段');
  });

  it('answers with input_images and composition_type, and never uses multi-image mode', async () => {
    const sim = await start();
    const a = await composition(sim, 's', {
      prompt: '画3张猫',
      images: ['http://x/a.png', { url: 'http://x/b.png' }],
    });
    expectSuccess(a);
    expect(a.json).toMatchObject({ input_images: 2, composition_type: 'multi_image_synthesis' });
    expect(itemsOf(a)).toHaveLength(4);
  });
});

describe('video requests', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['functionMode', { functionMode: 'storyboard' }, 'Params body.functionMode invalid'],
    ['file_paths', { file_paths: ['a', 'b', 'c'] }, 'Params body.file_paths invalid'],
    ['filePaths', { filePaths: 'a' }, 'Params body.filePaths invalid'],
    ['ratio', { ratio: 1 }, 'Params body.ratio invalid'],
  ])('refuses a bad %s with -2000', async (_label, body, message) => {
    const sim = await start();
    expectEnvelope(await video(sim, 's', body), -2000, message);
  });

  it.each<[string | undefined, number, string]>([
    ['jimeng-video-veo3', 5, 'veo3 模型仅支持 8 秒时长，当前值: 5'],
    ['jimeng-video-sora2', 5, 'sora2 模型仅支持 4、8、12 秒时长，当前值: 5'],
    [undefined, 8, '3.5-pro 模型仅支持 5、10、12 秒时长，当前值: 8'],
    ['jimeng-video-seedance-2.0', 16, 'seedance 2.0/2.0-fast 模型支持 4~15 秒时长，当前值: 16'],
    ['jimeng-video-3.0', 12, '该模型仅支持 5、10 秒时长，当前值: 12'],
  ])(
    'refuses an unlisted explicit duration (model %s, %i s) with -1000',
    async (model, duration, message) => {
      const sim = await start();
      expectEnvelope(await video(sim, 'sg-s', { ...(model ? { model } : {}), duration }), -1000, message);
    },
  );

  it('refuses a duration that is not an integer', async () => {
    const sim = await start();
    expectEnvelope(await video(sim, 's', { duration: 5.5 }), -1000, 'duration 必须是整数，当前值: 5.5');
    expectEnvelope(await video(sim, 's', { duration: '5' }), -1000, 'duration 参数格式错误');
  });

  it("checks durations by the name sent but runs the site's model: veo3 on CN is a 5 s 3.5-pro video", async () => {
    const sim = await start();
    const a = await video(sim, 's', { model: 'jimeng-video-veo3', duration: 8 });
    expectSuccess(a);
    expect(await mp4Seconds(itemsOf(a)[0]!.url!)).toBe(5);
    expect(itemsOf(a)[0]!.revised_prompt).toBe('waves');
  });

  it.each<[string, string, number | undefined, number]>([
    ['sg-s', 'jimeng-video-sora2', undefined, 4],
    ['sg-s', 'jimeng-video-veo3', undefined, 8],
    ['s', 'jimeng-video-seedance-2.0', 13, 13],
    ['s', 'jimeng-video-3.5-pro', 12, 12],
    ['s', 'jimeng-video-3.0', 10, 10],
    ['us-s', 'jimeng-video-9', undefined, 5],
  ])(
    'makes a video of the duration the proxy settles on (%s %s %s → %i s)',
    async (token, model, duration, seconds) => {
      const sim = await start();
      const a = await video(sim, token, { model, ...(duration === undefined ? {} : { duration }) });
      expectSuccess(a);
      expect(await mp4Seconds(itemsOf(a)[0]!.url!)).toBe(seconds);
    },
  );

  it('needs a material in omni_reference mode, and refuses non-seedance models only after the credit read', async () => {
    const sim = await start();
    expectEnvelope(
      await video(sim, 's', { model: 'jimeng-video-seedance-2.0', functionMode: 'omni_reference' }),
      -1000,
      '全能模式至少需要上传1个素材文件(图片或视频)',
    );
    expectEnvelope(
      await video(sim, 's', { functionMode: 'omni_reference', image_file_1: 'http://x/a.png' }),
      -2001,
      'omni_reference 模式仅支持 jimeng-video-seedance-2.0 和 jimeng-video-seedance-2.0-fast 模型',
    );
    expectSuccess(
      await video(sim, 's', {
        model: 'jimeng-video-seedance-2.0-fast',
        functionMode: 'omni_reference',
        image_file_1: 'http://x/a.png',
      }),
    );
  });
});
